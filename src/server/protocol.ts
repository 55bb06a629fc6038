// The cockpit's wire protocol: the JSON the server sends over HTTP and WebSocket, and the
// messages it accepts. Types and two constant lists, no imports, so the web app shares it
// without pulling server code into the browser bundle. The JSON Schemas are in schemas.ts.

/**
 * The driver choices of a cockpit session: the simulator's driver profiles (in their
 * order; a test keeps the two lists equal), or the person at the keys.
 */
export const DRIVER_CHOICES = ['aggressive', 'normal', 'eco', 'cautious', 'manual'] as const;
export type DriverChoice = (typeof DRIVER_CHOICES)[number];

/** What the cockpit needs to know about a car profile (gauge ranges, gear count). */
export interface CarInfo {
  readonly id: string;
  readonly name: string;
  readonly fuel: 'petrol' | 'diesel';
  readonly idleRpm: number;
  readonly redlineRpm: number;
  readonly revLimitRpm: number;
  readonly gears: number;
  readonly topSpeedKmh: number;
}

/** Where the driving-style model stands: loaded, not there, or failed to load. */
export interface ModelStatus {
  readonly state: 'loading' | 'ready' | 'missing' | 'error';
  /** The model URI the server was asked to use (`models:/driving-style@production`). */
  readonly uri: string;
  readonly version?: string;
  readonly labels?: readonly string[];
  /** One line for people: why there is no model and what to do about it. */
  readonly message?: string;
}

export interface SessionView {
  /** Changes with every new session, so clients can reset charts. */
  readonly id: string;
  readonly car: CarInfo;
  readonly driver: DriverChoice;
  readonly seed: number;
  /** Epoch milliseconds of the session's start. */
  readonly startedAtMs: number;
  readonly engineOn: boolean;
}

/** One snapshot of the cockpit car, sent at the state rate (30 Hz). */
export interface StateMessage {
  readonly type: 'state';
  readonly sessionId: string;
  /** Seconds since the session started (simulated time, which runs at wall-clock pace). */
  readonly t: number;
  readonly engineOn: boolean;
  readonly rpm: number;
  readonly speedKmh: number;
  readonly gear: number;
  readonly throttle: number;
  readonly brake: number;
  readonly coolantC: number;
  readonly oilC: number;
  readonly brakeC: number;
  readonly fuelRateLph: number;
  readonly accelMps2: number;
  readonly speedLimitKmh: number;
  readonly distanceKm: number;
  readonly fuelUsedL: number;
  readonly avgSpeedKmh: number;
  readonly engineWearPct: number;
  readonly gearboxWearPct: number;
  readonly brakeWearPct: number;
}

/** The AI coach's verdict on the cockpit session, sent once per second. */
export interface VerdictMessage {
  readonly type: 'verdict';
  readonly sessionId: string;
  readonly t: number;
  /** `warming-up` until the engine has a full window; `no-model` when none could be loaded. */
  readonly status: 'warming-up' | 'ready' | 'no-model';
  /** Warm-up progress 0–1 (1 once ready). */
  readonly progress: number;
  readonly label?: string;
  readonly probabilities?: Readonly<Record<string, number>>;
  readonly aggressiveProbability?: number;
  readonly confidence?: number;
  readonly modelVersion?: string;
  readonly message?: string;
}

/** A line for the cockpit's event log (gear changes are not logged; shifts show on the gauge). */
export interface EventMessage {
  readonly type: 'event';
  readonly atMs: number;
  readonly level: 'info' | 'warn';
  readonly text: string;
}

export interface FleetVehicleView {
  readonly vehicleId: string;
  readonly car: string;
  /** The profile the simulator drives this session with: the ground truth. */
  readonly trueProfile: string;
  readonly speedKmh: number;
  readonly rpm: number;
  readonly gear: number;
  /** The latest prediction's label, or null while warming up or without a model. */
  readonly predicted: string | null;
  readonly confidence: number | null;
  readonly aggressiveProbability: number | null;
  readonly warmup: number;
  /** The last 60 one-second points, oldest first: speed and aggressive probability (null: none). */
  readonly speedHistory: readonly number[];
  readonly aggressiveHistory: readonly (number | null)[];
}

export interface FleetSnapshot {
  readonly running: boolean;
  readonly vehicles: readonly FleetVehicleView[];
  /** Class order of the confusion matrix's rows (truth) and columns (prediction). */
  readonly labels: readonly string[];
  /** `confusion[truth][predicted]` counts of per-second predictions. */
  readonly confusion: readonly (readonly number[])[];
  readonly predictions: number;
  /** Share of predictions equal to the true profile; null before the first prediction. */
  readonly accuracy: number | null;
  readonly model: ModelStatus;
  /** Simulated seconds per wall second. */
  readonly speed: number;
  readonly simulatedS: number;
}

export interface FleetMessage extends FleetSnapshot {
  readonly type: 'fleet';
}

export interface HelloMessage {
  readonly type: 'hello';
  readonly version: string;
  readonly stateHz: number;
  readonly auth: { readonly required: boolean; readonly granted: boolean };
  readonly cars: readonly CarInfo[];
  readonly drivers: readonly DriverChoice[];
  readonly model: ModelStatus;
  readonly session: SessionView | null;
}

/** Sent when a session starts, stops, or its engine is switched. */
export interface SessionMessage {
  readonly type: 'session';
  readonly session: SessionView | null;
}

export interface AuthMessage {
  readonly type: 'auth';
  readonly granted: boolean;
}

export interface ModelMessage {
  readonly type: 'model';
  readonly model: ModelStatus;
}

export interface PongMessage {
  readonly type: 'pong';
  readonly id?: number;
}

/** A message the server refused; the socket stays open. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly code: 'bad_message' | 'unauthorized' | 'no_session' | 'rate_limited' | 'failed';
  readonly message: string;
}

export type ServerMessage =
  | HelloMessage
  | StateMessage
  | VerdictMessage
  | EventMessage
  | FleetMessage
  | SessionMessage
  | AuthMessage
  | ModelMessage
  | PongMessage
  | ErrorMessage;

// ── client → server ───────────────────────────────────────────────────────────────────

export interface StartRequest {
  readonly car: string;
  readonly driver: DriverChoice;
  /** Seed of the session's random draws (route, weather, driver); default: random. */
  readonly seed?: number;
}

export interface InputRequest {
  readonly throttle: number;
  readonly brake: number;
}

export type ClientMessage =
  | { readonly type: 'auth'; readonly token: string }
  | ({ readonly type: 'start' } & StartRequest)
  | { readonly type: 'stop' }
  | { readonly type: 'engine'; readonly on: boolean }
  | ({ readonly type: 'input' } & InputRequest)
  | { readonly type: 'gear'; readonly gear: number }
  | { readonly type: 'subscribe'; readonly topics: readonly ('cockpit' | 'fleet')[] }
  | { readonly type: 'ping'; readonly id?: number };

/** Messages that change the simulation: they need the token when the server has one. */
export const CONTROL_MESSAGE_TYPES = ['start', 'stop', 'engine', 'input', 'gear'] as const;

// ── lake and model pages ──────────────────────────────────────────────────────────────

export interface LakeTableView {
  readonly table: string;
  readonly version: number;
  readonly files: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface LakeView {
  readonly root: string;
  readonly tables: readonly LakeTableView[];
  /** Why there are no tables (no lake folder yet), when that is the case. */
  readonly message?: string;
  /** The latest data-docs report, when one was written. */
  readonly dataDocs: { readonly url: string; readonly updatedAtMs: number } | null;
}

export interface RunView {
  readonly runId: string;
  readonly name: string;
  readonly experiment: string;
  readonly status: string;
  readonly startTimeMs: number;
  readonly endTimeMs: number | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  /** Feature importances, largest first, when the run recorded them. */
  readonly featureImportances: readonly { readonly feature: string; readonly importance: number }[];
}

export interface ModelsView {
  readonly trackingUri: string;
  readonly model: ModelStatus;
  readonly runs: readonly RunView[];
  /** Why there are no runs, when that is the case. */
  readonly message?: string;
}
