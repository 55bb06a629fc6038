// The cockpit web app: a header with the pages and the connection, and one page mounted at
// a time from the address's hash (#/cockpit, #/fleet, #/lake, #/model).
import './styles.css';
import type { HelloMessage, ModelStatus, ServerMessage } from '../../src/server/protocol.ts';
import { Connection } from './connection.ts';
import { h, replaceChildren, setText } from './dom.ts';
import { CockpitPage } from './pages/cockpit.ts';
import { FleetPage } from './pages/fleet.ts';
import { LakePage } from './pages/lake.ts';
import { ModelPage } from './pages/model.ts';

/** What every page gets. */
export interface AppContext {
  readonly connection: Connection;
  /** The latest hello (cars, drivers, auth), or undefined before the first one. */
  hello(): HelloMessage | undefined;
  model(): ModelStatus | undefined;
  /** Asks the person for the token (the server needs it for control). */
  askToken(): void;
}

export interface Page {
  readonly element: HTMLElement;
  /** Topics the page needs over the socket. */
  readonly topics: readonly ('cockpit' | 'fleet')[];
  onMessage?(message: ServerMessage): void;
  /** Called every animation frame while mounted. */
  frame?(): void;
  dispose(): void;
}

const PAGES = {
  cockpit: { title: 'Cockpit', create: (ctx: AppContext) => new CockpitPage(ctx) },
  fleet: { title: 'Fleet', create: (ctx: AppContext) => new FleetPage(ctx) },
  lake: { title: 'Lake', create: () => new LakePage() },
  model: { title: 'Model', create: (ctx: AppContext) => new ModelPage(ctx) },
} as const;
type PageName = keyof typeof PAGES;

function pageFromHash(): PageName {
  const name = /^#\/([a-z]+)/.exec(location.hash)?.[1];
  return name !== undefined && name in PAGES ? (name as PageName) : 'cockpit';
}

function start(): void {
  const connection = new Connection();
  let hello: HelloMessage | undefined;
  let model: ModelStatus | undefined;
  let page: Page | undefined;
  let pageName: PageName | undefined;

  const status = h(
    'span',
    { class: 'conn', role: 'status', 'data-testid': 'connection' },
    'connecting',
  );
  const modelBadge = h('span', { class: 'badge', 'data-testid': 'model-badge' }, 'model …');
  const tokenForm = h('form', { class: 'token-form', hidden: true });
  const tokenInput = h('input', {
    type: 'password',
    placeholder: 'server token',
    'aria-label': 'server token',
    autocomplete: 'off',
  });
  tokenForm.append(tokenInput, h('button', { type: 'submit' }, 'Unlock'));
  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (tokenInput.value.trim() !== '') connection.authenticate(tokenInput.value.trim());
  });

  const links = Object.entries(PAGES).map(([name, spec]) =>
    h('a', { href: `#/${name}`, 'data-page': name }, spec.title),
  );
  const main = h('main', { id: 'main', tabindex: -1 });
  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('span', { class: 'brand' }, 'Pitwall'),
    h('nav', { 'aria-label': 'Pages' }, ...links),
    h('span', { class: 'spacer' }),
    tokenForm,
    modelBadge,
    status,
  );
  replaceChildren(document.body, header, main);
  // The skip link must not change the route.
  header.querySelector('.skip')?.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });

  const context: AppContext = {
    connection,
    hello: () => hello,
    model: () => model,
    askToken: () => {
      tokenForm.hidden = false;
      tokenInput.focus();
    },
  };

  const showModel = (status: ModelStatus | undefined) => {
    model = status;
    if (status === undefined) return;
    const text =
      status.state === 'ready'
        ? `model ${status.version ?? ''}`
        : status.state === 'loading'
          ? 'model loading'
          : 'no model';
    setText(modelBadge, text);
    modelBadge.className = `badge ${status.state === 'ready' ? 'ok' : status.state === 'loading' ? '' : 'warn'}`;
    modelBadge.title = status.message ?? status.uri;
  };

  const mount = () => {
    const name = pageFromHash();
    if (name === pageName) return;
    page?.dispose();
    pageName = name;
    page = PAGES[name].create(context);
    for (const link of links) {
      if (link.dataset['page'] === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${PAGES[name].title} · Pitwall`;
    replaceChildren(main, page.element);
    connection.subscribe(page.topics);
  };

  connection.onStatus((s) => {
    setText(status, s === 'open' ? 'live' : s);
    status.className = `conn ${s}`;
  });
  connection.on((message) => {
    if (message.type === 'hello') {
      hello = message;
      showModel(message.model);
      tokenForm.hidden = !(message.auth.required && !message.auth.granted);
    } else if (message.type === 'model') {
      showModel(message.model);
    } else if (message.type === 'auth') {
      if (hello !== undefined)
        hello = { ...hello, auth: { ...hello.auth, granted: message.granted } };
      tokenForm.hidden = message.granted;
      if (!message.granted) tokenInput.select();
    } else if (message.type === 'error' && message.code === 'unauthorized') {
      context.askToken();
    }
    page?.onMessage?.(message);
  });

  window.addEventListener('hashchange', mount);
  mount();
  const frame = () => {
    page?.frame?.();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

start();
