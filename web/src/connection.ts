// The one WebSocket to the server: reconnects with back-off, sends the token after each
// (re)connect, re-subscribes the current page's topics, and hands messages to listeners.
import type { ClientMessage, ServerMessage } from '../../src/server/protocol.ts';

type Listener = (message: ServerMessage) => void;
type StatusListener = (status: ConnectionStatus) => void;
export type ConnectionStatus = 'connecting' | 'open' | 'closed';

const TOKEN_KEY = 'pitwall.token';

/** The server token, from `#token=…` once (then removed from the address bar) or this tab's storage. */
export function storedToken(): string | undefined {
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (match !== null) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]!));
    const rest = location.hash.replace(/(^#|&)token=[^&]+/, '').replace(/^#?&/, '#');
    history.replaceState(
      null,
      '',
      `${location.pathname}${location.search}${rest === '#' ? '' : rest}`,
    );
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export class Connection {
  readonly #listeners = new Set<Listener>();
  readonly #statusListeners = new Set<StatusListener>();
  #socket: WebSocket | undefined;
  #topics: readonly ('cockpit' | 'fleet')[] = ['cockpit'];
  #retryMs = 500;
  #status: ConnectionStatus = 'connecting';

  constructor() {
    this.#open();
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.#statusListeners.add(listener);
    listener(this.#status);
    return () => this.#statusListeners.delete(listener);
  }

  /** Sends now, or drops the message while disconnected (inputs are state, not commands). */
  send(message: ClientMessage): boolean {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  subscribe(topics: readonly ('cockpit' | 'fleet')[]): void {
    this.#topics = topics;
    this.send({ type: 'subscribe', topics });
  }

  authenticate(token: string): void {
    saveToken(token);
    this.send({ type: 'auth', token });
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }

  #open(): void {
    this.#setStatus('connecting');
    const socket = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    );
    this.#socket = socket;
    socket.addEventListener('open', () => {
      this.#retryMs = 500;
      const token = storedToken();
      if (token !== undefined) socket.send(JSON.stringify({ type: 'auth', token }));
      socket.send(JSON.stringify({ type: 'subscribe', topics: this.#topics }));
      this.#setStatus('open');
    });
    socket.addEventListener('message', (event: MessageEvent<string>) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      for (const listener of this.#listeners) listener(message);
    });
    socket.addEventListener('close', () => {
      this.#socket = undefined;
      this.#setStatus('closed');
      setTimeout(() => this.#open(), this.#retryMs);
      this.#retryMs = Math.min(5000, this.#retryMs * 2);
    });
  }
}

/** JSON from the API; throws the server's one-line error message. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = storedToken();
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => undefined)) as
    { error?: { message?: string } } | undefined;
  if (!response.ok) {
    throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return body as T;
}
