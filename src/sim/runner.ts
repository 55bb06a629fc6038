// Runs a fleet simulation end to end: sessions with their start and end events,
// scenario events, pacing (as fast as possible or real time), delivery faults
// (duplicates, out-of-order), encoding to JSON lines in time order, and a sink.
import { SIGNAL_COUNT, SIGNAL_INDEX } from '../telemetry/signals.js';
import { SCHEMA_VERSION, type SessionInfo, type SessionSummary } from '../telemetry/events.js';
import { IsoTimeFormatter, encodeEvent } from '../telemetry/encode.js';
import {
  TelemetryLineWriter,
  sessionLineParts,
  type SessionLineParts,
} from '../telemetry/line-writer.js';
import type { RecordBatch, TelemetrySink } from '../telemetry/sink.js';
import { uuidV5 } from '../telemetry/uuid.js';
import { SAMPLE_FLAGS } from './emission.js';
import { Fleet, PHYSICS_HZ, type FleetOptions, type SessionSetup } from './fleet.js';
import { STRIDE, V } from './fleet-state.js';
import { applyScenarioAction, type Scenario } from './scenario.js';

export const SIMULATOR_VERSION = 'pitwall-sim/1';

export interface SimulationOptions extends FleetOptions {
  /** Simulated time to run, seconds. */
  readonly durationS: number;
  /** Length of one session; a vehicle starts a new session (new driver draw, route, weather) after each. */
  readonly sessionDurationS?: number;
  /** Epoch milliseconds of the first session's start (true time). */
  readonly startTimeMs: number;
  /** 0 = as fast as possible; 1 = real time; 10 = ten times faster than real time. */
  readonly speed?: number;
  readonly scenario?: Scenario;
  /** Simulated seconds per output batch (default 1). */
  readonly batchSeconds?: number;
}

export interface SimulationProgress {
  readonly simulatedS: number;
  readonly durationS: number;
  readonly events: number;
}

export interface SimulationStats {
  readonly vehicles: number;
  readonly sessions: number;
  readonly events: number;
  readonly telemetryEvents: number;
  readonly simulatedS: number;
  readonly wallS: number;
  readonly vehicleSteps: number;
}

/** A session as it is being emitted. */
interface LiveSession {
  readonly setup: SessionSetup;
  readonly sessionId: string;
  readonly vehicleId: string;
  readonly parts: SessionLineParts;
  readonly info: SessionInfo;
  readonly namePrefix: string;
  emitted: number;
  maxSpeedKmh: number;
  /** Encoded events waiting for the vehicle's next sample (out-of-order or duplicated delivery). */
  pending: Uint8Array[];
}

/** `VH-0001`-style ids: stable per vehicle index. */
export function vehicleId(index: number): string {
  return `VH-${String(index + 1).padStart(4, '0')}`;
}

/** Session events are rare: built as objects and stringified. */
function encodeEventBytes(event: Parameters<typeof encodeEvent>[0]): Uint8Array {
  return Buffer.from(encodeEvent(event));
}

export class FleetRunner {
  readonly fleet: Fleet;
  readonly options: SimulationOptions;
  readonly #live: LiveSession[] = [];
  readonly #time = new IsoTimeFormatter();
  readonly #keys: string[] = [];
  readonly #values: Uint8Array[] = [];
  readonly #writer = new TelemetryLineWriter();
  #events = 0;
  #telemetry = 0;
  #sessions = 0;

  constructor(options: SimulationOptions) {
    this.options = options;
    this.fleet = new Fleet(options);
  }

  /** Runs the whole simulation into `sink`, calling `onProgress` after each batch. */
  async run(
    sink: TelemetrySink,
    onProgress?: (progress: SimulationProgress) => void,
  ): Promise<SimulationStats> {
    const o = this.options;
    const started = performance.now();
    const totalSteps = Math.round(o.durationS * PHYSICS_HZ);
    const sessionSteps = Math.max(1, Math.round((o.sessionDurationS ?? o.durationS) * PHYSICS_HZ));
    const speed = o.speed ?? 0;
    const batchSteps = Math.max(
      1,
      Math.round((o.batchSeconds ?? (speed > 0 ? 0.1 : 1)) * PHYSICS_HZ),
    );
    const scenarioEvents = o.scenario?.events ?? [];
    let step = 0;
    let session = 0;
    while (step < totalSteps) {
      // A new session for every vehicle.
      const sessionStartMs = o.startTimeMs + (step * 1000) / PHYSICS_HZ;
      const setups = [];
      for (let i = 0; i < o.vehicles; i++)
        setups.push(this.fleet.startSession(i, session, sessionStartMs));
      // Scenario events at time 0 shape the session itself (weather, cold engine): apply
      // them before the session_start event so that it tells the truth.
      let scenarioNext = 0;
      const coldByScenario = new Set<number>();
      while (
        scenarioNext < scenarioEvents.length &&
        Math.round(scenarioEvents[scenarioNext]!.atS * PHYSICS_HZ) === 0
      ) {
        const event = scenarioEvents[scenarioNext++]!;
        for (let i = 0; i < o.vehicles; i++) {
          if (event.vehicles && !event.vehicles.includes(i)) continue;
          applyScenarioAction(this.fleet.state, i, event.action);
          if (event.action.type === 'cold_start') coldByScenario.add(i);
        }
      }
      for (let i = 0; i < o.vehicles; i++)
        this.#announceSession(i, setups[i]!, coldByScenario.has(i));
      const sessionEnd = Math.min(totalSteps, step + sessionSteps);
      let inSession = 0;
      while (step < sessionEnd) {
        // Scenario events due at this session time apply before the step that crosses them.
        while (
          scenarioNext < scenarioEvents.length &&
          Math.round(scenarioEvents[scenarioNext]!.atS * PHYSICS_HZ) <= inSession
        ) {
          const event = scenarioEvents[scenarioNext++]!;
          for (let i = 0; i < o.vehicles; i++) {
            if (!event.vehicles || event.vehicles.includes(i))
              applyScenarioAction(this.fleet.state, i, event.action);
          }
        }
        let chunk = Math.min(batchSteps, sessionEnd - step);
        if (scenarioNext < scenarioEvents.length) {
          const due = Math.round(scenarioEvents[scenarioNext]!.atS * PHYSICS_HZ) - inSession;
          if (due > 0 && due < chunk) chunk = due;
        }
        this.fleet.advance(chunk);
        step += chunk;
        inSession += chunk;
        this.#collectBatch();
        if (step === sessionEnd) for (let i = 0; i < o.vehicles; i++) this.#endSession(i);
        await this.#flush(sink);
        if (speed > 0) {
          const due = started + (step * 1000) / PHYSICS_HZ / speed;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        onProgress?.({
          simulatedS: step / PHYSICS_HZ,
          durationS: o.durationS,
          events: this.#events,
        });
      }
      session++;
    }
    return {
      vehicles: o.vehicles,
      sessions: this.#sessions,
      events: this.#events,
      telemetryEvents: this.#telemetry,
      simulatedS: step / PHYSICS_HZ,
      wallS: (performance.now() - started) / 1000,
      vehicleSteps: step * o.vehicles,
    };
  }

  /** Emits the session_start event of vehicle `i`'s new session. */
  #announceSession(i: number, setup: SessionSetup, coldByScenario: boolean): void {
    const o = this.options;
    const sessionIndex = setup.sessionIndex;
    const startMs = this.fleet.state.get(i, 'sessionStartMs');
    const id = vehicleId(i);
    const namePrefix = `${o.seed}/${i}/${sessionIndex}/`;
    const sessionId = uuidV5(`session/${namePrefix}`);
    const info: SessionInfo = {
      car_id: setup.car.id,
      car_name: setup.car.name,
      driver_profile: setup.driverProfile,
      route_id: `route-${setup.routeSeed.toString(16).padStart(8, '0')}`,
      seed: o.seed,
      session_index: sessionIndex,
      hz: o.hz,
      ambient_temp_c: this.fleet.state.get(i, 'ambientC'),
      cargo_kg: setup.cargoKg,
      cold_start: setup.coldStart || coldByScenario,
      scenario: o.scenario?.name ?? null,
      simulator: SIMULATOR_VERSION,
    };
    const live: LiveSession = {
      setup,
      sessionId,
      vehicleId: id,
      parts: sessionLineParts(namePrefix, id, sessionId),
      info,
      namePrefix,
      emitted: 0,
      maxSpeedKmh: 0,
      pending: [],
    };
    this.#live[i] = live;
    this.#sessions++;
    const startEvent = encodeEvent({
      schema_version: SCHEMA_VERSION,
      event_type: 'session_start',
      event_id: uuidV5(namePrefix + '0'),
      vehicle_id: id,
      session_id: sessionId,
      seq: 0,
      event_time: this.#time.format(startMs + Math.round(this.fleet.state.get(i, 'clockSkewMs'))),
      session: info,
    });
    this.#push(id, Buffer.from(startEvent), false);
  }

  #endSession(i: number): void {
    const live = this.#live[i]!;
    for (const line of live.pending) this.#push(live.vehicleId, line);
    live.pending = [];
    const s = this.fleet.state;
    const b = i * STRIDE;
    const d = s.data;
    const duration = d[b + V.sessionTimeS]!;
    const distanceKm = d[b + V.distanceM]! / 1000;
    const seq = d[b + V.seq]! + 1;
    d[b + V.seq] = seq;
    const summary: SessionSummary = {
      duration_s: Math.round(duration * 1000) / 1000,
      distance_km: Math.round(distanceKm * 1000) / 1000,
      fuel_used_l: Math.round(d[b + V.fuelUsedL]! * 1000) / 1000,
      avg_speed_kmh: duration > 0 ? Math.round((distanceKm / (duration / 3600)) * 100) / 100 : 0,
      max_speed_kmh: Math.round(live.maxSpeedKmh * 100) / 100,
      samples_emitted: live.emitted,
      samples_lost: d[b + V.emitCount]! - live.emitted,
    };
    const endMs = d[b + V.sessionStartMs]! + Math.round(duration * 1000);
    const skew = d[b + V.clockSkewMs]! + d[b + V.clockDriftPpm]! * 1e-3 * duration;
    this.#push(
      live.vehicleId,
      encodeEventBytes({
        schema_version: SCHEMA_VERSION,
        event_type: 'session_end',
        event_id: uuidV5(live.namePrefix + seq),
        vehicle_id: live.vehicleId,
        session_id: live.sessionId,
        seq,
        event_time: this.#time.format(endMs + Math.round(skew)),
        session: live.info,
        summary,
      }),
      false,
    );
  }

  /** Encodes the fleet's batch in time order (vehicle order within one instant). */
  #collectBatch(): void {
    const batch = this.fleet.batch;
    const n = batch.count;
    if (n === 0) return;
    // Counting sort by true time: samples arrive vehicle by vehicle, time-ordered within a vehicle.
    let minMs = Infinity;
    let maxMs = -Infinity;
    for (let k = 0; k < n; k++) {
      const t = batch.trueTimeMs[k]!;
      if (t < minMs) minMs = t;
      if (t > maxMs) maxMs = t;
    }
    const buckets = new Int32Array(maxMs - minMs + 2);
    for (let k = 0; k < n; k++) buckets[batch.trueTimeMs[k]! - minMs + 1]!++;
    for (let k = 1; k < buckets.length; k++) buckets[k]! += buckets[k - 1]!;
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) order[buckets[batch.trueTimeMs[k]! - minMs]!++] = k;

    const speedColumn = SIGNAL_INDEX.speed_kmh;
    const writer = this.#writer;
    for (let r = 0; r < n; r++) {
      const k = order[r]!;
      const i = batch.vehicle[k]!;
      const live = this.#live[i]!;
      const seq = batch.seq[k]!;
      const start = writer.write(live.parts, seq, batch.timeMs[k]!, batch.values, k * SIGNAL_COUNT);
      const line = writer.buffer.subarray(start, writer.length);
      live.emitted++;
      const speed = batch.truth[k * SIGNAL_COUNT + speedColumn]!;
      if (speed > live.maxSpeedKmh) live.maxSpeedKmh = speed;
      const flags = batch.flags[k]!;
      // Held lines outlive the writer's buffer (reset after each flush): copy them.
      if ((flags & SAMPLE_FLAGS.outOfOrder) !== 0) {
        live.pending.push(Uint8Array.prototype.slice.call(line));
        continue;
      }
      this.#push(live.vehicleId, line);
      if (live.pending.length > 0) {
        for (const held of live.pending) this.#push(live.vehicleId, held);
        live.pending = [];
      }
      // A duplicate is re-sent after the vehicle's next sample, as a retrying transport would.
      if ((flags & SAMPLE_FLAGS.duplicate) !== 0)
        live.pending.push(Uint8Array.prototype.slice.call(line));
    }
    batch.clear();
  }

  #push(key: string, value: Uint8Array, telemetry = true): void {
    this.#keys.push(key);
    this.#values.push(value);
    this.#events++;
    if (telemetry) this.#telemetry++;
  }

  async #flush(sink: TelemetrySink): Promise<void> {
    if (this.#values.length === 0) return;
    const batch: RecordBatch = { keys: this.#keys.splice(0), values: this.#values.splice(0) };
    await sink.write(batch);
    // The sink is done with the views into the writer's buffer.
    this.#writer.reset();
  }
}
