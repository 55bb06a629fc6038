// The cockpit's HTTP + WebSocket application (Fastify): JSON API, the live WebSocket, the
// built web app and the lake's data docs, behind the access rules of security.ts. Built
// without listening, so tests drive it in-process (`app.inject`, `app.injectWS`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fastify, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { fastifyStatic } from '@fastify/static';
import { fastifyWebsocket } from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { ConfigError, ERROR_CODES, isPitwallError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import {
  CockpitHub,
  FLEET_DEFAULTS,
  NO_SESSION,
  type FleetSettings,
  type HubClient,
} from './hub.js';
import { LakeInfo, DATA_DOCS_URL } from './lake-info.js';
import { ModelHolder } from './model-holder.js';
import {
  CONTROL_MESSAGE_TYPES,
  type ClientMessage,
  type InputRequest,
  type ModelsView,
  type ServerMessage,
  type StartRequest,
} from './protocol.js';
import type { RunsSource } from './runs-info.js';
import { BODY_SCHEMAS, describeValidationError, parseClientMessage } from './schemas.js';
import {
  bearerToken,
  hostAllowed,
  isLoopbackHost,
  originAllowed,
  tokenMatches,
} from './security.js';
import type { StyleModelSource } from './style-model.js';

export const DEFAULT_MODEL_URI = 'models:/driving-style@production';
/** The built web app (`npm run build:web`). */
export const DEFAULT_WEB_ROOT = path.join(PACKAGE_ROOT, 'dist', 'web');
export const DEFAULT_STATE_HZ = 30;

export interface CockpitAppOptions {
  /** The address the server binds: loopback, or anything else with a token. */
  readonly host: string;
  /** Required on control endpoints and messages when set; must be set off loopback. */
  readonly token?: string;
  readonly lakeRoot: string;
  readonly modelUri?: string;
  /** How models are opened; undefined: no live scoring (the coach says so). */
  readonly models?: StyleModelSource;
  /** Where the model page reads runs; undefined: it says there is no tracking store. */
  readonly runs?: RunsSource;
  readonly trackingUri?: string;
  /** Folder of the built web app; false serves no web app. */
  readonly webRoot?: string | false;
  readonly stateHz?: number;
  readonly fleet?: Partial<FleetSettings>;
  /** Seconds between re-opening the model URI (a newly trained or promoted model); 0: never. */
  readonly modelRefreshS?: number;
  /** Where unexpected request errors are reported (default: nowhere). */
  readonly onError?: (error: unknown) => void;
}

export interface CockpitApp {
  readonly app: FastifyInstance;
  readonly hub: CockpitHub;
  readonly models: ModelHolder;
  /** Stops timers, closes sockets and the model. */
  close(): Promise<void>;
}

/** `{ error: { code, message } }`: every refusal's body. */
function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
/** Data docs are static HTML with inline styles and no scripts. */
const DATA_DOCS_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

const MAX_FAILED_AUTH = 5;
/** Messages per second a socket may send (burst: twice as many). */
const MESSAGE_RATE = 120;
/** A slow client misses state frames rather than piling them up. */
const MAX_BUFFERED_BYTES = 1 << 20;

function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Builds the cockpit application without listening.
 *
 * @example
 * const cockpit = await createCockpitApp({ host: '127.0.0.1', lakeRoot: '.pitwall/lake' });
 * const response = await cockpit.app.inject({ method: 'GET', url: '/api/health' });
 * await cockpit.close();
 */
export async function createCockpitApp(options: CockpitAppOptions): Promise<CockpitApp> {
  const token = options.token;
  if (!isLoopbackHost(options.host) && token === undefined) {
    throw new ConfigError(
      `the cockpit binds ${options.host}, not loopback: set PITWALL_TOKEN (16+ characters) so control endpoints are not open to the network`,
    );
  }
  if (token !== undefined && token.length < 16) {
    throw new ConfigError('PITWALL_TOKEN must be at least 16 characters');
  }
  const tokenRequired = token !== undefined;
  const stateHz = options.stateHz ?? DEFAULT_STATE_HZ;
  const modelUri = options.modelUri ?? DEFAULT_MODEL_URI;
  const version = packageVersion();
  const models = new ModelHolder(modelUri, options.models);
  const hub = new CockpitHub({
    version,
    stateHz,
    fleet: { ...FLEET_DEFAULTS, ...options.fleet },
    models,
  });
  const lake = new LakeInfo(options.lakeRoot);

  const app = fastify({
    logger: false,
    bodyLimit: 16 * 1024,
    // Strict validation: unknown properties are refused, not silently removed; no coercion.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    forceCloseConnections: true,
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  // JSON only: a cross-site form or text/plain POST (sent without a CORS preflight) gets 415.
  app.removeContentTypeParser('text/plain');

  const authorized = (header: string | undefined): boolean =>
    !tokenRequired || tokenMatches(token, bearerToken(header));

  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host, options.host)) {
      return reply
        .code(403)
        .send(errorBody('forbidden_host', 'this server answers only to loopback host names'));
    }
    const unsafe = request.method !== 'GET' && request.method !== 'HEAD';
    if (
      (unsafe || request.url.startsWith('/ws')) &&
      !originAllowed(request.headers.origin, request.headers.host)
    ) {
      return reply
        .code(403)
        .send(errorBody('forbidden_origin', 'requests from other sites are refused'));
    }
    return undefined;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    if (!request.url.startsWith(DATA_DOCS_URL)) {
      reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    }
    return payload;
  });

  const control = {
    onRequest: async (request: { headers: { authorization?: string } }, reply: FastifyReply) => {
      if (authorized(request.headers.authorization)) return undefined;
      void reply.header('WWW-Authenticate', 'Bearer realm="pitwall"');
      return reply
        .code(401)
        .send(
          errorBody(
            'unauthorized',
            'this endpoint needs the server token: send Authorization: Bearer <PITWALL_TOKEN>',
          ),
        );
    },
  };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined && error.validation.length > 0) {
      const first = error.validation[0]!;
      const where = error.validationContext === 'body' ? '' : `${error.validationContext ?? ''} `;
      return reply
        .code(400)
        .send(
          errorBody(
            'bad_request',
            `${where}${describeValidationError(first as Parameters<typeof describeValidationError>[0])}`.trim(),
          ),
        );
    }
    if (isPitwallError(error)) {
      const conflict = error.message === NO_SESSION;
      const status = error.code === ERROR_CODES.usage ? (conflict ? 409 : 400) : 500;
      return reply
        .code(status)
        .send(errorBody(conflict ? 'no_session' : 'bad_request', error.message));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody('bad_request', plainMessage(error)));
    }
    options.onError?.(error);
    return reply
      .code(500)
      .send(
        errorBody('internal', `internal error while handling ${request.method} ${request.url}`),
      );
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('not_found', `nothing at ${request.method} ${request.url.split('?')[0]}`)),
  );

  // ── API ─────────────────────────────────────────────────────────────────────────────
  app.get('/api/health', (_request, reply) => reply.send({ status: 'ok', version }));
  app.get('/api/setup', (request, reply) =>
    reply.send(hub.setup(tokenRequired, authorized(request.headers.authorization))),
  );
  app.get('/api/session', (_request, reply) => {
    const session = hub.session;
    return reply.send({
      session: session?.view() ?? null,
      state: session?.state() ?? null,
      verdict: session?.verdict ?? null,
    });
  });
  app.post<{ Body: StartRequest }>(
    '/api/session',
    { ...control, schema: { body: BODY_SCHEMAS.start } },
    async (request, reply) => reply.code(201).send({ session: hub.start(request.body) }),
  );
  app.delete('/api/session', control, async (_request, reply) => {
    hub.stop();
    return reply.code(204).send();
  });
  app.post<{ Body: { on: boolean } }>(
    '/api/session/engine',
    { ...control, schema: { body: BODY_SCHEMAS.engine } },
    (request, reply) => reply.send({ session: hub.setEngine(request.body.on) }),
  );
  app.post<{ Body: InputRequest }>(
    '/api/session/input',
    { ...control, schema: { body: BODY_SCHEMAS.input } },
    async (request, reply) => {
      hub.setInput(request.body.throttle, request.body.brake);
      return reply.code(204).send();
    },
  );
  app.post<{ Body: { gear: number } }>(
    '/api/session/gear',
    { ...control, schema: { body: BODY_SCHEMAS.gear } },
    async (request, reply) => {
      hub.requestGear(request.body.gear);
      return reply.code(204).send();
    },
  );
  app.get('/api/fleet', (_request, reply) => reply.send(hub.fleetSnapshot()));
  app.get('/api/lake', async () => lake.view());
  app.get('/api/models', async (): Promise<ModelsView> => {
    const trackingUri = options.runs?.trackingUri ?? options.trackingUri ?? '';
    if (options.runs === undefined) {
      return {
        trackingUri,
        model: models.status,
        runs: [],
        message: 'no tracking store is available to this server',
      };
    }
    try {
      const { runs, message } = await options.runs.listRuns();
      return {
        trackingUri,
        model: models.status,
        runs,
        ...(message === undefined ? {} : { message }),
      };
    } catch (error) {
      return {
        trackingUri,
        model: models.status,
        runs: [],
        message: `cannot read runs from ${trackingUri}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  });
  app.post('/api/model/reload', control, async () => models.reload());

  // ── WebSocket ───────────────────────────────────────────────────────────────────────
  app.get('/ws', { websocket: true }, (socket, request) => {
    let granted = authorized(request.headers.authorization);
    let failedAuth = 0;
    let allowance = 2 * MESSAGE_RATE;
    let lastRefill = performance.now();
    let rateWarned = 0;
    const client: HubClient = {
      topics: new Set(['cockpit']),
      send(text, droppable) {
        if (socket.readyState !== socket.OPEN) return;
        if (droppable && socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
        socket.send(text);
      },
    };
    const reply = (message: ServerMessage): void => client.send(JSON.stringify(message), false);
    const refuse = (code: Extract<ServerMessage, { type: 'error' }>['code'], message: string) =>
      reply({ type: 'error', code, message });
    const removeClient = hub.addClient(client);
    reply(hub.hello(tokenRequired, granted));

    socket.on('message', (data, isBinary) => {
      const now = performance.now();
      allowance = Math.min(
        2 * MESSAGE_RATE,
        allowance + ((now - lastRefill) * MESSAGE_RATE) / 1000,
      );
      lastRefill = now;
      if (allowance < 1) {
        if (now - rateWarned > 1000) {
          rateWarned = now;
          refuse('rate_limited', `too many messages: at most ${MESSAGE_RATE} per second`);
        }
        return;
      }
      allowance -= 1;
      if (isBinary) {
        refuse('bad_message', 'binary messages are not accepted: send JSON text');
        return;
      }
      const parsed = parseClientMessage(rawText(data));
      if (!parsed.ok) {
        refuse('bad_message', parsed.error);
        return;
      }
      const message = parsed.message;
      if (message.type === 'auth') {
        granted = authorized(`Bearer ${message.token}`);
        reply({ type: 'auth', granted });
        if (!granted) {
          failedAuth++;
          refuse('unauthorized', 'wrong token');
          if (failedAuth >= MAX_FAILED_AUTH) socket.close(1008, 'too many failed token attempts');
        }
        return;
      }
      if ((CONTROL_MESSAGE_TYPES as readonly string[]).includes(message.type) && !granted) {
        refuse(
          'unauthorized',
          `${message.type} needs the server token: send {"type":"auth","token":"<PITWALL_TOKEN>"} first`,
        );
        return;
      }
      try {
        handleMessage(message);
      } catch (error) {
        if (isPitwallError(error)) {
          refuse(error.message === NO_SESSION ? 'no_session' : 'bad_message', error.message);
        } else {
          options.onError?.(error);
          refuse('failed', `${message.type} failed: ${plainMessage(error)}`);
        }
      }
    });
    socket.on('close', removeClient);
    // Protocol errors (bad frames, oversized messages) end with ws closing the socket.
    socket.on('error', () => removeClient());

    function handleMessage(message: ClientMessage): void {
      switch (message.type) {
        case 'start':
          hub.start({
            car: message.car,
            driver: message.driver,
            ...(message.seed === undefined ? {} : { seed: message.seed }),
          });
          return;
        case 'stop':
          hub.stop();
          return;
        case 'engine':
          hub.setEngine(message.on);
          return;
        case 'input':
          hub.setInput(message.throttle, message.brake);
          return;
        case 'gear':
          hub.requestGear(message.gear);
          return;
        case 'subscribe':
          hub.subscribe(client, message.topics);
          return;
        case 'ping':
          reply({ type: 'pong', ...(message.id === undefined ? {} : { id: message.id }) });
          return;
        case 'auth':
          return;
      }
    }
  });

  // ── static files ────────────────────────────────────────────────────────────────────
  await app.register(fastifyStatic, {
    root: lake.dataDocsDir,
    prefix: DATA_DOCS_URL,
    decorateReply: false,
    index: 'index.html',
    dotfiles: 'deny',
    setHeaders: (reply) => {
      reply.header('Content-Security-Policy', DATA_DOCS_POLICY);
      reply.header('Cache-Control', 'no-cache');
    },
  });
  const webRoot = options.webRoot === undefined ? DEFAULT_WEB_ROOT : options.webRoot;
  if (webRoot !== false && existsSync(path.join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: path.resolve(webRoot),
      prefix: '/',
      index: 'index.html',
      dotfiles: 'deny',
      setHeaders: (reply, file) => {
        // Vite names built assets by content hash: they never change under one name.
        reply.header(
          'Cache-Control',
          file.includes(`${path.sep}assets${path.sep}`)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    });
  } else {
    app.get('/', (_request, reply) =>
      reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><meta charset="utf-8"><title>Pitwall cockpit</title>' +
            '<p>The cockpit web app is not built. Run <code>npm run build:web</code> and reload.</p>',
        ),
    );
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await hub.close();
      // "Going away" to every viewer; a peer that does not finish the close handshake
      // within a second is cut off rather than holding shutdown for ws's 30 s timeout.
      const sockets = [...(app.websocketServer?.clients ?? new Set<WebSocket>())];
      for (const socket of sockets) socket.close(1001, 'server shutting down');
      const deadline = Date.now() + 1000;
      while (sockets.some((s) => s.readyState !== s.CLOSED) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
      await app.close();
      await models.close();
    })();
    return closing;
  };

  if (options.models !== undefined) {
    void models.reload();
    const refreshS = options.modelRefreshS ?? 30;
    if (refreshS > 0) {
      const timer = setInterval(() => void models.reload(), refreshS * 1000);
      timer.unref();
      app.addHook('onClose', (_instance, done) => {
        clearInterval(timer);
        done();
      });
    }
  }
  await app.ready();
  return { app, hub, models, close };
}

function rawText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function plainMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
