// Shared pieces of the server tests: an in-process cockpit app with a temporary lake, a
// small hand-written model run by the real inference engine, and a WebSocket probe that
// collects messages and waits for the one a test expects.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { WebSocket } from 'ws';
import type { StyleModel as InferenceModel } from '../../src/inference/model.js';
import { createCockpitApp, type CockpitApp, type CockpitAppOptions } from '../../src/server/app.js';
import { engineStyleModel } from '../../src/server/inference-source.js';
import type { ServerMessage } from '../../src/server/protocol.js';
import type { StyleModelSource } from '../../src/server/style-model.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** A fresh folder removed when the test ends. */
export async function tempDir(t: TestContext, name = 'server'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `pitwall-${name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A rule as a model: the more throttle in the window, the more aggressive. Real enough for
 * the engine (it reads one gold feature by name), small enough to reason about in tests.
 */
export function throttleRuleModel(version = 'rule-1'): InferenceModel {
  return {
    classes: ['aggressive', 'normal', 'eco', 'cautious'],
    featureNames: ['throttle_mean'],
    version,
    predictProbaRow(features, out) {
      const t = features[0]!;
      const a = Number.isNaN(t) ? 0.25 : Math.min(0.97, Math.max(0.01, t * 1.6));
      out[0] = a;
      out[1] = (1 - a) * 0.5;
      out[2] = (1 - a) * 0.3;
      out[3] = (1 - a) * 0.2;
    },
  };
}

/** A source that always opens `model` (or says there is none). */
export function fixedModelSource(model: InferenceModel | undefined): StyleModelSource {
  return {
    open: (uri) =>
      Promise.resolve(
        model === undefined
          ? { model: undefined, reason: `no model at ${uri} (test)` }
          : { model: engineStyleModel(model) },
      ),
  };
}

/** An in-process app on a temporary lake, closed when the test ends. */
export async function testApp(
  t: TestContext,
  options: Partial<CockpitAppOptions> = {},
): Promise<CockpitApp> {
  const lakeRoot = options.lakeRoot ?? path.join(await tempDir(t, 'lake'), 'lake');
  const cockpit = await createCockpitApp({
    host: '127.0.0.1',
    lakeRoot,
    webRoot: false,
    modelRefreshS: 0,
    fleet: { vehicles: 3, speed: 1 },
    ...options,
  });
  t.after(() => cockpit.close());
  if (options.models !== undefined) await cockpit.models.reload();
  return cockpit;
}

/** Collects a socket's messages; `next` waits for the first unread one that matches. */
export class WsProbe {
  readonly socket: WebSocket;
  readonly messages: ServerMessage[] = [];
  #read = 0;
  #waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as ServerMessage);
      this.#wake();
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
      this.#wake();
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (after the last one `next` returned) for which `match` holds. */
  async next<T extends ServerMessage['type']>(
    type: T,
    match: (message: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#read < this.messages.length) {
        const message = this.messages[this.#read++]!;
        if (message.type === type && match(message as Extract<ServerMessage, { type: T }>)) {
          return message as Extract<ServerMessage, { type: T }>;
        }
      }
      if (this.closed !== undefined) {
        throw new Error(
          `socket closed (${this.closed.code} ${this.closed.reason}) before a ${type} message`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the socket is closed. */
  async closedWith(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closed === undefined) {
      if (Date.now() > deadline) throw new Error('socket still open');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.closed;
  }

  /** Ends the socket at once (an in-process socket has no peer to finish a close handshake). */
  close(): void {
    this.socket.terminate();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Opens the app's WebSocket in-process. */
export async function openSocket(
  cockpit: CockpitApp,
  headers: Record<string, string> = {},
): Promise<WsProbe> {
  let probe: WsProbe | undefined;
  await cockpit.app.injectWS(
    '/ws',
    { headers: { host: '127.0.0.1', ...headers } },
    {
      onInit: (ws) => {
        probe = new WsProbe(ws);
      },
    },
  );
  return probe!;
}
