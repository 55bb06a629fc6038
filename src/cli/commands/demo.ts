// `pitwall demo` (what `npm start` runs): a small mixed fleet written to a file, then a
// short summary. Later stages of the lifecycle join here as they arrive.
import type { Command } from 'commander';
import { formatDuration } from '../../duration.js';
import { UsageError } from '../../errors.js';
import { DRIVER_PROFILE_NAMES } from '../../sim/drivers.js';
import { FAULT_PRESETS } from '../../sim/faults.js';
import type { RecordBatch } from '../../telemetry/sink.js';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatTable, formatWallTime } from '../format.js';
import { parseDurationOption, parseIntegerOption } from '../options.js';
import { LIMITS, SIMULATE_DEFAULTS } from '../simulate-options.js';

export const DEMO_DEFAULTS = {
  vehicles: '8',
  duration: '5m',
  seed: SIMULATE_DEFAULTS.seed,
  out: 'out/telemetry.ndjson',
} as const satisfies Record<string, string>;

interface RawDemoOptions {
  readonly vehicles?: string;
  readonly duration?: string;
  readonly seed?: string;
  readonly out?: string;
}

/** Events and sessions per driver profile, read off the stream as it is written. */
class ProfileTally {
  readonly events = new Map<string, number>();
  readonly sessions = new Map<string, number>();
  /** The profile of each vehicle's current session: a session's events follow its start. */
  readonly #profileOf = new Map<string, string>();

  observe(batch: RecordBatch): void {
    for (let k = 0; k < batch.values.length; k++) {
      const vehicle = batch.keys[k]!;
      const line = batch.values[k]!;
      // Byte 34 is the first letter of the event type: only session events are parsed.
      if (
        line[34] === 115 &&
        Buffer.from(line.buffer, line.byteOffset, line.length).includes(
          '"event_type":"session_start"',
        )
      ) {
        const text = Buffer.from(line.buffer, line.byteOffset, line.length).toString('utf8');
        const profile = (JSON.parse(text) as { session: { driver_profile: string } }).session
          .driver_profile;
        this.#profileOf.set(vehicle, profile);
        this.sessions.set(profile, (this.sessions.get(profile) ?? 0) + 1);
      }
      const profile = this.#profileOf.get(vehicle) ?? 'unknown';
      this.events.set(profile, (this.events.get(profile) ?? 0) + 1);
    }
  }
}

/** Registers `demo` on `program`. */
export function registerDemo(program: Command, context: CliContext): void {
  const command = program
    .command('demo')
    .description('simulate a small mixed fleet and summarize it (npm start)')
    .option(
      '--vehicles <n>',
      `number of vehicles, ${LIMITS.vehicles.min}-${LIMITS.vehicles.max} (default: ${DEMO_DEFAULTS.vehicles})`,
    )
    .option('--duration <d>', `simulated time (default: ${DEMO_DEFAULTS.duration})`)
    .option('--seed <n>', `random seed (default: ${DEMO_DEFAULTS.seed})`)
    .option('--out <file>', `output file; folders are created (default: ${DEMO_DEFAULTS.out})`)
    .action(async () => {
      await demo(command.opts<RawDemoOptions>(), context);
    });
}

async function demo(raw: RawDemoOptions, context: CliContext): Promise<void> {
  const { io } = context;
  const d = DEMO_DEFAULTS;
  const vehicles = parseIntegerOption('--vehicles', raw.vehicles ?? d.vehicles, LIMITS.vehicles);
  const durationS = parseDurationOption(
    '--duration',
    raw.duration ?? d.duration,
    LIMITS.durationS.min,
  );
  const seed = parseIntegerOption('--seed', raw.seed ?? d.seed, LIMITS.seed);
  const out = raw.out ?? d.out;
  // The summary goes to stdout, so telemetry cannot.
  if (out === '-')
    throw new UsageError('demo writes a file; use pitwall simulate --out - for stdout');

  // Loaded on use: the simulator's dependencies slow down `pitwall --help`.
  const { runSimulation } = await import('../run-simulation.js');
  const tally = new ProfileTally();
  writeLine(
    io.stdout,
    `Pitwall demo: ${vehicles} vehicles with mixed cars and drivers, ${formatDuration(durationS)} simulated, seed ${seed}`,
  );
  const outcome = await runSimulation(io, {
    simulation: {
      vehicles,
      seed,
      hz: Number(SIMULATE_DEFAULTS.hz),
      drivers: 'mix',
      cars: 'mix',
      faults: FAULT_PRESETS.default,
      durationS,
      startTimeMs: Date.parse(SIMULATE_DEFAULTS.start),
    },
    out,
    createOutDir: true,
    progress: io.stderrIsTTY,
    observe: (batch) => tally.observe(batch),
  });
  if (outcome.kind === 'broken-pipe') return;
  if (outcome.kind === 'interrupted') {
    writeLine(io.stdout, `stopped by ${outcome.signal}; partial telemetry in ${outcome.output}`);
    context.exitCode = outcome.exitCode;
    return;
  }
  const s = outcome.stats;
  writeLine(
    io.stdout,
    `Wrote ${formatCount(s.events)} events (${formatCount(s.sessions)} sessions) to ${outcome.output} in ${formatWallTime(s.wallS)}.`,
  );
  writeLine(io.stdout);
  const profiles = DRIVER_PROFILE_NAMES.filter((name) => tally.events.has(name));
  writeLine(
    io.stdout,
    formatTable(profiles, [
      { header: 'driver profile', value: (p) => p },
      { header: 'sessions', value: (p) => formatCount(tally.sessions.get(p) ?? 0), align: 'right' },
      { header: 'events', value: (p) => formatCount(tally.events.get(p) ?? 0), align: 'right' },
    ]),
  );
}
