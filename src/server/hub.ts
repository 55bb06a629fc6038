// The live side of the server: the cockpit session and the fleet monitor, the timers that
// step them (state at 30 Hz, fleet every 200 ms), and the connected clients they stream to.
// Transport-neutral: a client is anything with `send(text)`; app.ts plugs WebSockets in.
import { shippedCars, type CarProfile } from '../sim/index.js';
import { UsageError, isPitwallError } from '../errors.js';
import { CockpitSession, carInfo } from './cockpit-session.js';
import { FleetMonitor } from './fleet-monitor.js';
import type { ModelHolder } from './model-holder.js';
import {
  DRIVER_CHOICES,
  type CarInfo,
  type FleetMessage,
  type FleetSnapshot,
  type HelloMessage,
  type ServerMessage,
  type SessionView,
  type StartRequest,
} from './protocol.js';

export type Topic = 'cockpit' | 'fleet';

/** One connected viewer. */
export interface HubClient {
  /** Sends one serialised message; `droppable` ones may be skipped for a slow client. */
  send(text: string, droppable: boolean): void;
  topics: Set<Topic>;
}

export interface FleetSettings {
  readonly vehicles: number;
  readonly seed: number;
  readonly speed: number;
  readonly sessionSeconds: number;
}

export const FLEET_DEFAULTS = {
  vehicles: 12,
  seed: 42,
  speed: 1,
  sessionSeconds: 120,
} as const satisfies FleetSettings;

export interface HubOptions {
  readonly version: string;
  readonly stateHz: number;
  readonly fleet: FleetSettings;
  readonly models: ModelHolder;
  readonly cars?: readonly CarProfile[];
  /** Wall clock in epoch milliseconds; monotonic by default. */
  readonly now?: () => number;
}

const FLEET_TICK_MS = 200;
const FLEET_BROADCAST_MS = 1000;
/** The fleet keeps running this long after the last HTTP look at it. */
const FLEET_LINGER_MS = 30_000;

/** The refusal of a control call that needs a running session. */
export const NO_SESSION = 'no session is running (start one first)';

const monotonicNow = (): number => performance.timeOrigin + performance.now();

export class CockpitHub {
  readonly options: HubOptions;
  readonly cars: readonly CarProfile[];
  readonly #clients = new Set<HubClient>();
  readonly #now: () => number;
  #session: CockpitSession | undefined;
  #stateTimer: NodeJS.Timeout | undefined;
  #fleet: FleetMonitor | undefined;
  #fleetTimer: NodeJS.Timeout | undefined;
  #fleetLingerUntil = 0;
  #lastFleetBroadcast = 0;
  readonly #unsubscribeModel: () => void;
  #closed = false;

  constructor(options: HubOptions) {
    this.options = options;
    this.cars = options.cars ?? shippedCars();
    this.#now = options.now ?? monotonicNow;
    this.#unsubscribeModel = options.models.onChange((model, status) => {
      this.#session?.useModel(model, status.message);
      this.#fleet?.useModel(model);
      this.#broadcast({ type: 'model', model: status }, false);
    });
  }

  get session(): CockpitSession | undefined {
    return this.#session;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  carInfos(): CarInfo[] {
    return this.cars.map(carInfo);
  }

  hello(authRequired: boolean, granted: boolean): HelloMessage {
    return { type: 'hello', ...this.setup(authRequired, granted) };
  }

  /** What a client needs first: cars, drivers, the model, the session, its access. */
  setup(authRequired: boolean, granted: boolean): Omit<HelloMessage, 'type'> {
    return {
      version: this.options.version,
      stateHz: this.options.stateHz,
      auth: { required: authRequired, granted },
      cars: this.carInfos(),
      drivers: DRIVER_CHOICES,
      model: this.options.models.status,
      session: this.#session?.view() ?? null,
    };
  }

  addClient(client: HubClient): () => void {
    this.#clients.add(client);
    this.#updateFleetTimer();
    return () => {
      this.#clients.delete(client);
      this.#updateFleetTimer();
    };
  }

  /** Changes what a client receives; the fleet runs while someone watches it. */
  subscribe(client: HubClient, topics: readonly Topic[]): void {
    client.topics = new Set(topics);
    this.#updateFleetTimer();
    if (client.topics.has('fleet')) client.send(JSON.stringify(this.#fleetMessage()), false);
  }

  // ── control ─────────────────────────────────────────────────────────────────────────

  /** Starts a new session (replacing a running one). */
  start(request: StartRequest): SessionView {
    this.#assertOpen();
    const car = this.cars.find((c) => c.id === request.car);
    if (car === undefined) {
      const known = this.cars.map((c) => c.id).join(', ');
      throw new UsageError(`unknown car "${request.car}" (known: ${known})`);
    }
    if (!DRIVER_CHOICES.includes(request.driver)) {
      throw new UsageError(`driver must be one of ${DRIVER_CHOICES.join(', ')}`);
    }
    const models = this.options.models;
    this.#session = new CockpitSession({
      car,
      driver: request.driver,
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      startMs: this.#now(),
      ...(models.model === undefined ? {} : { model: models.model }),
      noModelReason: models.status.message ?? `no model at ${models.uri}`,
    });
    this.#stateTimer ??= setInterval(() => this.#tick(), 1000 / this.options.stateHz);
    const view = this.#session.view();
    this.#broadcast({ type: 'session', session: view }, false);
    this.#flushEvents();
    this.#broadcast(this.#session.verdict, false);
    return view;
  }

  stop(): void {
    if (this.#session === undefined) return;
    this.#session = undefined;
    clearInterval(this.#stateTimer);
    this.#stateTimer = undefined;
    this.#broadcast({ type: 'session', session: null }, false);
    this.#broadcast(
      { type: 'event', atMs: Date.now(), level: 'info', text: 'Session ended' },
      false,
    );
  }

  setEngine(on: boolean): SessionView {
    const session = this.#requireSession();
    session.setEngine(on);
    this.#flushEvents();
    const view = session.view();
    this.#broadcast({ type: 'session', session: view }, false);
    return view;
  }

  setInput(throttle: number, brake: number): void {
    this.#requireSession().setInput(throttle, brake);
  }

  requestGear(gear: number): void {
    this.#requireSession().requestGear(gear);
  }

  // ── fleet ───────────────────────────────────────────────────────────────────────────

  /** The fleet as it is now; starts it (for a while) when nobody was watching. */
  fleetSnapshot(): FleetSnapshot {
    this.#fleetLingerUntil = this.#now() + FLEET_LINGER_MS;
    this.#updateFleetTimer();
    return this.#fleetMessage();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribeModel();
    clearInterval(this.#stateTimer);
    clearInterval(this.#fleetTimer);
    this.#stateTimer = undefined;
    this.#fleetTimer = undefined;
    this.#session = undefined;
    this.#clients.clear();
    await Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) throw new UsageError('the server is shutting down');
  }

  #requireSession(): CockpitSession {
    const session = this.#session;
    if (session === undefined) throw new UsageError(NO_SESSION);
    return session;
  }

  #tick(): void {
    const session = this.#session;
    if (session === undefined) return;
    try {
      const verdict = session.advanceTo(this.#now());
      this.#broadcast(session.state(), true);
      if (verdict) this.#broadcast(session.verdict, false);
      this.#flushEvents();
    } catch (error) {
      // A failing model must not take the server down: the session goes on without it.
      const message =
        isPitwallError(error) || error instanceof Error ? error.message : String(error);
      session.useModel(undefined, `scoring failed: ${message}`);
      this.#broadcast(
        { type: 'event', atMs: Date.now(), level: 'warn', text: `Scoring stopped: ${message}` },
        false,
      );
    }
  }

  #flushEvents(): void {
    const session = this.#session;
    if (session === undefined) return;
    for (const event of session.takeEvents()) this.#broadcast(event, false);
  }

  #fleetMessage(): FleetMessage {
    const fleet = this.#ensureFleet();
    return {
      type: 'fleet',
      ...fleet.snapshot(this.options.models.status, this.#fleetTimer !== undefined),
    };
  }

  #ensureFleet(): FleetMonitor {
    if (this.#fleet === undefined) {
      this.#fleet = new FleetMonitor({ ...this.options.fleet, startMs: Date.now() });
      this.#fleet.useModel(this.options.models.model);
    }
    return this.#fleet;
  }

  #fleetWatched(): boolean {
    if (this.#closed) return false;
    if (this.#now() < this.#fleetLingerUntil) return true;
    for (const client of this.#clients) if (client.topics.has('fleet')) return true;
    return false;
  }

  #updateFleetTimer(): void {
    const watched = this.#fleetWatched();
    if (watched && this.#fleetTimer === undefined) {
      const fleet = this.#ensureFleet();
      fleet.pause();
      fleet.advanceTo(this.#now());
      this.#fleetTimer = setInterval(() => this.#fleetTick(), FLEET_TICK_MS);
    } else if (!watched && this.#fleetTimer !== undefined) {
      clearInterval(this.#fleetTimer);
      this.#fleetTimer = undefined;
    }
  }

  #fleetTick(): void {
    const fleet = this.#fleet;
    if (fleet === undefined) return;
    if (!this.#fleetWatched()) {
      this.#updateFleetTimer();
      return;
    }
    const now = this.#now();
    try {
      fleet.advanceTo(now);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      fleet.useModel(undefined);
      this.#broadcast(
        {
          type: 'event',
          atMs: Date.now(),
          level: 'warn',
          text: `Fleet scoring stopped: ${message}`,
        },
        false,
      );
    }
    if (now - this.#lastFleetBroadcast >= FLEET_BROADCAST_MS - FLEET_TICK_MS / 2) {
      this.#lastFleetBroadcast = now;
      this.#broadcast(this.#fleetMessage(), true, 'fleet');
    }
  }

  #broadcast(message: ServerMessage, droppable: boolean, topic: Topic = 'cockpit'): void {
    if (this.#clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const client of this.#clients) {
      if (
        topic === 'fleet'
          ? client.topics.has('fleet')
          : client.topics.has('cockpit') || message.type === 'model'
      )
        client.send(text, droppable);
    }
  }
}
