// Simulator throughput on one core: vehicle-steps per second with telemetry samples
// produced (sensor noise, quantisation and the 'default' faults included), at 10 Hz and
// 50 Hz emission; JSON encoding of those samples measured apart from the physics; the
// whole FleetRunner into a sink that discards; state bytes per vehicle; and the Python
// reference simulator's published figure for comparison.
import { FAULT_PRESETS } from '../src/sim/faults.js';
import { Fleet, PHYSICS_HZ } from '../src/sim/fleet.js';
import { FleetRunner, vehicleId } from '../src/sim/runner.js';
import { IsoTimeFormatter, encodeTelemetry, telemetryIdentity } from '../src/telemetry/encode.js';
import { SCHEMA_VERSION } from '../src/telemetry/events.js';
import { SIGNALS, SIGNAL_COUNT, decimalsFor } from '../src/telemetry/signals.js';
import type { RecordBatch, TelemetrySink } from '../src/telemetry/sink.js';
import { uuidV5 } from '../src/telemetry/uuid.js';
import {
  TelemetryLineWriter,
  sessionLineParts,
  type SessionLineParts,
} from '../src/telemetry/line-writer.js';
import {
  describeMachine,
  formatPercent,
  integerOption,
  machineFigures,
  measureRate,
  parseBenchArgs,
  printMachine,
  printTable,
  roundFigure,
  summariseRates,
  timeAsync,
  type Figures,
  type RateSample,
  type Timing,
} from './lib.js';

export const description =
  'simulator: vehicle-steps/s on one core at 10 and 50 Hz emission, JSON encoding events/s, state bytes per vehicle';

export const usage = `options:
  --vehicles N    fleet size (default 1000)
  --warmup-s S    simulated seconds run before measuring, per fleet (default 30)
  --measure-s S   simulated seconds per repetition (default 10)
  --reps N        repetitions of each measurement; the median is reported (default 5)
  --encode-s S    simulated seconds of 10 Hz samples to encode (default 5)
  --runner-s S    simulated seconds per end-to-end FleetRunner run (default 20)
  --runner-reps N FleetRunner runs (default 3)
  --seed N        run seed (default 42)`;

/**
 * The Python reference simulator: 54,762 steps/s, one car, physics only, measured on this
 * kind of machine (the project's DESIGN.md, "Facts measured on this kind of machine").
 * Its code is not in this repository, so the figure is cited, not re-measured.
 */
const REFERENCE_STEPS_PER_S = 54_762;
/** Goals of the simulator issue. */
const GOAL_VEHICLE_STEPS_PER_S = 5_000_000;
const GOAL_STATE_BYTES_PER_VEHICLE = 2048;
/** Epoch of the first session (a fixed instant, so every run encodes the same text). */
const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

interface SimOptions {
  readonly vehicles: number;
  readonly warmupS: number;
  readonly measureS: number;
  readonly reps: number;
  readonly encodeS: number;
  readonly runnerS: number;
  readonly runnerReps: number;
  readonly seed: number;
}

function readOptions(args: readonly string[]): SimOptions {
  const values = parseBenchArgs(args, {
    vehicles: { type: 'string' },
    'warmup-s': { type: 'string' },
    'measure-s': { type: 'string' },
    reps: { type: 'string' },
    'encode-s': { type: 'string' },
    'runner-s': { type: 'string' },
    'runner-reps': { type: 'string' },
    seed: { type: 'string' },
  });
  return {
    vehicles: integerOption(values, 'vehicles', 1000),
    warmupS: integerOption(values, 'warmup-s', 30),
    measureS: integerOption(values, 'measure-s', 10),
    reps: integerOption(values, 'reps', 5),
    encodeS: integerOption(values, 'encode-s', 5),
    runnerS: integerOption(values, 'runner-s', 20),
    runnerReps: integerOption(values, 'runner-reps', 3),
    seed: integerOption(values, 'seed', 42),
  };
}

function newFleet(o: SimOptions, vehicles: number, hz: number): Fleet {
  const fleet = new Fleet({
    vehicles,
    seed: o.seed,
    hz,
    drivers: 'mix',
    faults: FAULT_PRESETS.default,
  });
  for (let i = 0; i < vehicles; i++) fleet.startSession(i, 0, START_MS);
  return fleet;
}

/** Advances the fleet by `seconds` of simulated time, one second per call, discarding samples. */
function advanceSeconds(fleet: Fleet, seconds: number): number {
  let samples = 0;
  for (let s = 0; s < seconds; s++) {
    fleet.advance(PHYSICS_HZ);
    samples += fleet.batch.count;
    fleet.batch.clear();
  }
  return samples;
}

interface PhysicsResult {
  readonly fleet: Fleet;
  readonly steps: RateSample;
  /** Telemetry samples produced per wall second (median run). */
  readonly samplesPerS: number;
}

/**
 * Vehicle-steps per second of a fleet emitting at `hz`: a warm-up first, then `reps` timed
 * runs. The warm-up matters twice: V8 settles on its optimised code only after rare
 * branches have been seen (deoptimisations for "insufficient type feedback" go on for
 * the first simulated seconds), and every car starts at a standstill, so the first
 * seconds do not cost what steady driving does.
 */
function measurePhysics(
  o: SimOptions,
  vehicles: number,
  hz: number,
  warmupS: number,
  measureS: number,
): PhysicsResult {
  const fleet = newFleet(o, vehicles, hz);
  advanceSeconds(fleet, warmupS);
  const work = vehicles * measureS * PHYSICS_HZ;
  let samples = 0;
  const steps = measureRate(o.reps, work, () => {
    samples = advanceSeconds(fleet, measureS);
  });
  // Samples per run vary only with dropouts; scale the median step rate by the last run's share.
  return { fleet, steps, samplesPerS: (steps.median * samples) / work };
}

/** A copy of one emitted batch (the fleet reuses its batch). */
interface Snapshot {
  readonly count: number;
  readonly vehicle: Int32Array;
  readonly seq: Float64Array;
  readonly timeMs: Float64Array;
  readonly values: Float64Array;
}

function captureBatches(fleet: Fleet, seconds: number): Snapshot[] {
  const snapshots: Snapshot[] = [];
  for (let s = 0; s < seconds; s++) {
    fleet.advance(PHYSICS_HZ);
    const b = fleet.batch;
    snapshots.push({
      count: b.count,
      vehicle: b.vehicle.slice(0, b.count),
      seq: b.seq.slice(0, b.count),
      timeMs: b.timeMs.slice(0, b.count),
      values: b.values.slice(0, b.count * SIGNAL_COUNT),
    });
    b.clear();
  }
  return snapshots;
}

/** Per-vehicle text FleetRunner derives at session start: event-id name prefix and the envelope middle. */
interface SessionText {
  readonly namePrefix: string[];
  readonly identity: string[];
}

function sessionText(seed: number, vehicles: number, session: number): SessionText {
  const namePrefix: string[] = [];
  const identity: string[] = [];
  for (let i = 0; i < vehicles; i++) {
    const prefix = `${seed}/${i}/${session}/`;
    namePrefix.push(prefix);
    identity.push(telemetryIdentity(vehicleId(i), uuidV5(`session/${prefix}`)));
  }
  return { namePrefix, identity };
}

/**
 * Encodes one batch as FleetRunner does (event id, event time, JSON text) and returns the
 * text length; keeps the lines in `lines` when given. `flatten` turns each line from the
 * tree of concatenated pieces V8 builds into one flat string at once (`charCodeAt` makes
 * V8 flatten): a measured proposal, not what FleetRunner does today.
 */
function encodeSnapshot(
  snap: Snapshot,
  text: SessionText,
  time: IsoTimeFormatter,
  lines?: string[],
  flatten = false,
): number {
  let chars = 0;
  for (let k = 0; k < snap.count; k++) {
    const i = snap.vehicle[k]!;
    const seq = snap.seq[k]!;
    const line = encodeTelemetry(
      uuidV5(text.namePrefix[i]! + seq),
      text.identity[i]!,
      seq,
      time.format(snap.timeMs[k]!),
      snap.values,
      k * SIGNAL_COUNT,
    );
    if (flatten) line.charCodeAt(0);
    chars += line.length;
    lines?.push(line);
  }
  return chars;
}

const SCALE = SIGNALS.map((s) => 10 ** decimalsFor(s.resolution));

/** The obvious alternative: an event object per sample through JSON.stringify (same rounding, same text). */
function stringifySnapshot(
  snap: Snapshot,
  text: SessionText,
  vehicleIds: readonly string[],
  sessionIds: readonly string[],
  time: IsoTimeFormatter,
  lines?: string[],
): number {
  let chars = 0;
  for (let k = 0; k < snap.count; k++) {
    const i = snap.vehicle[k]!;
    const seq = snap.seq[k]!;
    const signals: Record<string, number | null> = {};
    for (let c = 0; c < SIGNAL_COUNT; c++) {
      const x = snap.values[k * SIGNAL_COUNT + c]!;
      signals[SIGNALS[c]!.name] = Number.isNaN(x) ? null : Math.round(x * SCALE[c]!) / SCALE[c]!;
    }
    const line = JSON.stringify({
      schema_version: SCHEMA_VERSION,
      event_type: 'telemetry',
      event_id: uuidV5(text.namePrefix[i]! + seq),
      vehicle_id: vehicleIds[i],
      session_id: sessionIds[i],
      seq,
      event_time: time.format(snap.timeMs[k]!),
      signals,
    });
    chars += line.length;
    lines?.push(line);
  }
  return chars;
}

/** Encodes one batch as FleetRunner does: bytes straight into a reused buffer. */
function writeSnapshot(
  snap: Snapshot,
  parts: SessionLineParts[],
  writer: TelemetryLineWriter,
): number {
  writer.reset();
  for (let k = 0; k < snap.count; k++) {
    writer.write(
      parts[snap.vehicle[k]!]!,
      snap.seq[k]!,
      snap.timeMs[k]!,
      snap.values,
      k * SIGNAL_COUNT,
    );
  }
  return writer.length;
}

interface EncodingResult {
  readonly events: number;
  readonly bytesPerEvent: number;
  /** TelemetryLineWriter (bytes, event id hashed in place), as FleetRunner does. */
  readonly lineWriter: RateSample;
  /** encodeTelemetry + uuidV5 + IsoTimeFormatter, lines kept per batch, as FleetRunner does. */
  readonly encode: RateSample;
  /** The same with every line dropped at once (no retention: the bare cost of building text). */
  readonly encodeDropped: RateSample;
  /** The same as `encode` with each line flattened at once (a proposal). */
  readonly encodeFlattened: RateSample;
  /** The same as `encode`, then the batch joined into NDJSON text as a file or log sink does. */
  readonly encodeJoin: RateSample;
  readonly uuid: RateSample;
  readonly timeFormat: RateSample;
  /** An event object per sample through JSON.stringify, lines kept per batch. */
  readonly stringify: RateSample;
  readonly stringifyDropped: RateSample;
  /** Events whose JSON.stringify text differs from encodeTelemetry's (expected 0). */
  readonly stringifyMismatches: number;
}

function measureEncoding(o: SimOptions, fleet: Fleet): EncodingResult {
  const snapshots = captureBatches(fleet, o.encodeS);
  const events = snapshots.reduce((n, s) => n + s.count, 0);
  const text = sessionText(o.seed, o.vehicles, 0);
  const vehicleIds = Array.from({ length: o.vehicles }, (_, i) => vehicleId(i));
  const sessionIds = text.namePrefix.map((p) => uuidV5(`session/${p}`));
  let sink = 0;

  // Warm the encoders on the captured samples before timing them.
  const time = new IsoTimeFormatter();
  for (const snap of snapshots)
    sink +=
      encodeSnapshot(snap, text, time) +
      stringifySnapshot(snap, text, vehicleIds, sessionIds, time);

  // FleetRunner encodes to bytes with TelemetryLineWriter: the headline figure.
  const parts = text.namePrefix.map((p, i) => sessionLineParts(p, vehicleIds[i]!, sessionIds[i]!));
  const writer = new TelemetryLineWriter();
  for (const snap of snapshots) sink += writeSnapshot(snap, parts, writer);
  const lineWriter = measureRate(o.reps, events, () => {
    for (const snap of snapshots) sink += writeSnapshot(snap, parts, writer);
  });

  // The string encoder keeps a batch's lines (one simulated second) the way a consumer of
  // strings would, so they live through young-generation collections.
  let chars = 0;
  const encode = measureRate(o.reps, events, () => {
    chars = 0;
    for (const snap of snapshots) chars += encodeSnapshot(snap, text, time, []);
  });
  const encodeDropped = measureRate(o.reps, events, () => {
    for (const snap of snapshots) sink += encodeSnapshot(snap, text, time);
  });
  const encodeFlattened = measureRate(o.reps, events, () => {
    for (const snap of snapshots) sink += encodeSnapshot(snap, text, time, [], true);
  });
  const encodeJoin = measureRate(o.reps, events, () => {
    for (const snap of snapshots) {
      const lines: string[] = [];
      encodeSnapshot(snap, text, time, lines);
      sink += (lines.join('\n') + '\n').length;
    }
  });
  const uuid = measureRate(o.reps, events, () => {
    for (const snap of snapshots) {
      for (let k = 0; k < snap.count; k++)
        sink += uuidV5(text.namePrefix[snap.vehicle[k]!]! + snap.seq[k]!).length;
    }
  });
  const timeFormat = measureRate(o.reps, events, () => {
    for (const snap of snapshots)
      for (let k = 0; k < snap.count; k++) sink += time.format(snap.timeMs[k]!).length;
  });
  const stringify = measureRate(o.reps, events, () => {
    for (const snap of snapshots)
      sink += stringifySnapshot(snap, text, vehicleIds, sessionIds, time, []);
  });
  const stringifyDropped = measureRate(o.reps, events, () => {
    for (const snap of snapshots)
      sink += stringifySnapshot(snap, text, vehicleIds, sessionIds, time);
  });

  // The hand-built text must be the text JSON.stringify gives, or the comparison is moot.
  let mismatches = 0;
  for (const snap of snapshots.slice(0, 1)) {
    const ours: string[] = [];
    const theirs: string[] = [];
    encodeSnapshot(snap, text, time, ours);
    stringifySnapshot(snap, text, vehicleIds, sessionIds, time, theirs);
    for (let k = 0; k < ours.length; k++) if (ours[k] !== theirs[k]) mismatches++;
  }
  if (sink < 0) console.log(sink); // keeps every result observable
  return {
    events,
    bytesPerEvent: chars / events,
    lineWriter,
    encode,
    encodeDropped,
    encodeFlattened,
    encodeJoin,
    uuid,
    timeFormat,
    stringify,
    stringifyDropped,
    stringifyMismatches: mismatches,
  };
}

/** A sink that counts and drops what it is given. */
class DiscardingSink implements TelemetrySink {
  events = 0;
  write(batch: RecordBatch): void {
    this.events += batch.values.length;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface RunnerResult {
  readonly events: RateSample;
  readonly steps: RateSample;
  readonly eventsPerRun: number;
}

async function measureRunner(o: SimOptions): Promise<RunnerResult> {
  const events: number[] = [];
  const steps: number[] = [];
  const timings: Timing[] = [];
  let eventsPerRun = 0;
  for (let r = 0; r < o.runnerReps; r++) {
    const runner = new FleetRunner({
      vehicles: o.vehicles,
      seed: o.seed + r,
      hz: 10,
      drivers: 'mix',
      faults: FAULT_PRESETS.default,
      durationS: o.runnerS,
      startTimeMs: START_MS,
      batchSeconds: 1,
    });
    const sink = new DiscardingSink();
    let stats: Awaited<ReturnType<FleetRunner['run']>> | undefined;
    const timing = await timeAsync(async () => {
      stats = await runner.run(sink);
    });
    timings.push(timing);
    events.push(sink.events);
    steps.push(stats!.vehicleSteps);
    eventsPerRun = sink.events;
  }
  return {
    events: summariseRates(events, timings),
    steps: summariseRates(steps, timings),
    eventsPerRun,
  };
}

function rateRow(what: string, sample: RateSample, unit: string, note = ''): (string | number)[] {
  return [
    what,
    roundFigure(sample.median, 3),
    unit,
    formatPercent(sample.spread),
    roundFigure(sample.medianPerCpuS, 3),
    sample.cpuPerWall.toFixed(2),
    note,
  ];
}

export async function run(args: readonly string[]): Promise<Figures> {
  const o = readOptions(args);
  const machine = describeMachine();
  printMachine(machine);
  console.log(
    `fleet ${o.vehicles} vehicles, drivers mix, faults default; warm-up ${o.warmupS} s simulated, then ${o.reps} × ${o.measureS} s simulated (median)\n`,
  );

  const at10 = measurePhysics(o, o.vehicles, 10, o.warmupS, o.measureS);
  const at50 = measurePhysics(o, o.vehicles, 50, o.warmupS, o.measureS);
  // One car, as the reference was measured: many simulated seconds, since one car takes few steps per second.
  const single = measurePhysics(o, 1, 10, 2000, 5000);
  const encoding = measureEncoding(o, at10.fleet);
  const runner = await measureRunner(o);
  const stateBytes = at10.fleet.state.bytesPerVehicle();

  const speedup = at10.steps.median / REFERENCE_STEPS_PER_S;
  printTable(
    [
      'simulation (physics + sensors + faults, no JSON)',
      'median',
      'unit',
      'spread',
      'per CPU-s',
      'cpu/wall',
      'note',
    ],
    [
      rateRow(
        `${o.vehicles} vehicles, 10 Hz emission`,
        at10.steps,
        'vehicle-steps/s',
        `goal ≥ ${GOAL_VEHICLE_STEPS_PER_S.toLocaleString('en-US')}`,
      ),
      ['  samples produced', roundFigure(at10.samplesPerS, 3), 'samples/s', '', '', '', ''],
      rateRow(`${o.vehicles} vehicles, 50 Hz emission`, at50.steps, 'vehicle-steps/s'),
      ['  samples produced', roundFigure(at50.samplesPerS, 3), 'samples/s', '', '', '', ''],
      rateRow('1 vehicle, 10 Hz emission', single.steps, 'steps/s'),
      [
        'Python reference, 1 car, physics only',
        REFERENCE_STEPS_PER_S,
        'steps/s',
        '',
        '',
        '',
        'cited from DESIGN.md; code not available here',
      ],
      ['speed-up, fleet 10 Hz vs reference', roundFigure(speedup, 3), '×', '', '', '', ''],
    ],
  );
  printTable(
    [
      `JSON encoding (${encoding.events.toLocaleString('en-US')} samples at 10 Hz, physics excluded)`,
      'median',
      'unit',
      'spread',
      'per CPU-s',
      'cpu/wall',
      'note',
    ],
    [
      rateRow(
        'TelemetryLineWriter (bytes)',
        encoding.lineWriter,
        'events/s',
        `as FleetRunner; ${roundFigure(encoding.bytesPerEvent, 3)} bytes/event`,
      ),
      rateRow(
        'encodeTelemetry + uuidV5 + IsoTimeFormatter',
        encoding.encode,
        'events/s',
        'string encoder, lines kept per batch',
      ),
      rateRow(
        '  … lines dropped at once',
        encoding.encodeDropped,
        'events/s',
        'no retention: text building alone',
      ),
      rateRow(
        '  … each line flattened at once',
        encoding.encodeFlattened,
        'events/s',
        'proposal: line.charCodeAt(0) after encoding',
      ),
      rateRow(
        '  … and joined into NDJSON text',
        encoding.encodeJoin,
        'events/s',
        'what a file sink adds',
      ),
      rateRow('  uuidV5 alone', encoding.uuid, 'ids/s'),
      rateRow('  IsoTimeFormatter alone', encoding.timeFormat, 'times/s'),
      rateRow(
        'event object + JSON.stringify',
        encoding.stringify,
        'events/s',
        encoding.stringifyMismatches === 0
          ? 'lines kept per batch; same text'
          : `lines kept per batch; ${encoding.stringifyMismatches} texts differ`,
      ),
      rateRow('  … lines dropped at once', encoding.stringifyDropped, 'events/s'),
    ],
  );
  printTable(
    [
      `FleetRunner end to end (${o.runnerReps} × ${o.runnerS} s simulated, discarding sink)`,
      'median',
      'unit',
      'spread',
      'per CPU-s',
      'cpu/wall',
      'note',
    ],
    [
      rateRow(
        'events (telemetry + session start/end)',
        runner.events,
        'events/s',
        `${runner.eventsPerRun.toLocaleString('en-US')} events/run`,
      ),
      rateRow(
        'vehicle-steps',
        runner.steps,
        'vehicle-steps/s',
        `physics alone would be ${formatPercent(runner.steps.median / at10.steps.median)} of this wall time`,
      ),
    ],
  );
  printTable(
    ['state', 'value', 'unit', 'note'],
    [['bytes per vehicle', stateBytes, 'bytes', `goal ≤ ${GOAL_STATE_BYTES_PER_VEHICLE}`]],
  );

  return {
    vehicles: o.vehicles,
    reps: o.reps,
    vehicle_steps_per_s: roundFigure(at10.steps.median),
    vehicle_steps_per_s_50hz: roundFigure(at50.steps.median),
    vehicle_steps_spread: roundFigure(at10.steps.spread, 2),
    vehicle_steps_per_cpu_s: roundFigure(at10.steps.medianPerCpuS),
    samples_per_s: roundFigure(at10.samplesPerS),
    samples_per_s_50hz: roundFigure(at50.samplesPerS),
    single_vehicle_steps_per_s: roundFigure(single.steps.median),
    json_events_per_s: roundFigure(encoding.lineWriter.median),
    json_string_events_per_s: roundFigure(encoding.encode.median),
    json_events_per_s_dropped: roundFigure(encoding.encodeDropped.median),
    json_events_per_s_flattened: roundFigure(encoding.encodeFlattened.median),
    ndjson_events_per_s: roundFigure(encoding.encodeJoin.median),
    json_stringify_events_per_s: roundFigure(encoding.stringify.median),
    json_stringify_events_per_s_dropped: roundFigure(encoding.stringifyDropped.median),
    json_bytes_per_event: roundFigure(encoding.bytesPerEvent),
    runner_events_per_s: roundFigure(runner.events.median),
    runner_vehicle_steps_per_s: roundFigure(runner.steps.median),
    state_bytes_per_vehicle: stateBytes,
    reference_steps_per_s: REFERENCE_STEPS_PER_S,
    speedup_vs_reference: roundFigure(speedup, 3),
    goal_vehicle_steps_per_s: GOAL_VEHICLE_STEPS_PER_S,
    goal_state_bytes_per_vehicle: GOAL_STATE_BYTES_PER_VEHICLE,
    meets_step_goal: at10.steps.median >= GOAL_VEHICLE_STEPS_PER_S,
    meets_state_goal: stateBytes <= GOAL_STATE_BYTES_PER_VEHICLE,
    ...machineFigures(machine),
  };
}
