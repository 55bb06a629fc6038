// `pitwall simulate` options: raw text from commander in, validated simulation settings
// out. Defaults live here once and also feed the help text.
import { UsageError } from '../errors.js';
import { DRIVER_PROFILE_NAMES, type DriverProfileName } from '../sim/drivers.js';
import { FAULT_NAMES, FAULT_PRESETS, type FaultPreset, type FaultRates } from '../sim/faults.js';
import type { SimulationOptions } from '../sim/runner.js';
import {
  LOG_OPTION_DEFAULTS,
  PARTITION_LIMITS,
  parseLogTarget,
  refuseLogOptions,
  type LogTarget,
  type RawLogOptions,
} from './log-options.js';
import {
  invalidOption,
  parseChoiceOption,
  parseDurationOption,
  parseIntegerOption,
  parseNumberOption,
  parseTimeOption,
  type Range,
} from './options.js';

export const SIMULATE_DEFAULTS = {
  vehicles: '10',
  hz: '10',
  duration: '10m',
  seed: '42',
  drivers: 'mix',
  cars: 'mix',
  faults: 'default',
  start: '2026-01-01T08:00:00Z',
  out: 'telemetry.ndjson',
  sink: 'file',
  ...LOG_OPTION_DEFAULTS,
} as const satisfies Record<string, string>;

export const LIMITS = {
  vehicles: { min: 1, max: 100_000 },
  hz: { min: 10, max: 50 },
  /** The simulator mixes the seed as a 32-bit integer: larger seeds would repeat smaller ones. */
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** Shortest run or session, seconds. */
  durationS: { min: 1, max: Number.POSITIVE_INFINITY },
  faultRate: { min: 0, max: 1 },
  speed: { min: 0, max: Number.POSITIVE_INFINITY },
  partitions: PARTITION_LIMITS,
} as const satisfies Record<string, Range>;

export const DRIVER_CHOICES = ['mix', ...DRIVER_PROFILE_NAMES] as const;
export const FAULT_PRESET_NAMES = Object.keys(FAULT_PRESETS) as FaultPreset[];

/** Where `--sink` sends events: an NDJSON file, the embedded durable log, or Kafka. */
export const SINKS = ['file', 'local', 'kafka'] as const;
export type SinkKind = (typeof SINKS)[number];

/** Option values as commander hands them over: text, or absent when not given. */
export interface RawSimulateOptions extends RawLogOptions {
  readonly vehicles?: string;
  readonly hz?: string;
  readonly duration?: string;
  readonly sessionDuration?: string;
  readonly seed?: string;
  readonly drivers?: string;
  readonly cars?: string;
  readonly faults?: string;
  readonly faultRate?: readonly string[];
  readonly scenario?: string;
  readonly start?: string;
  readonly realtime?: boolean;
  readonly speed?: string;
  readonly out?: string;
  readonly sink?: string;
  readonly quiet?: boolean;
}

export interface SimulateSettings {
  readonly simulation: SimulationOptions;
  /** A file path, or `-` for stdout. */
  readonly out: string;
  readonly sink: SinkKind;
  /** The log topic for `--sink local` and `--sink kafka`; absent for `--sink file`. */
  readonly log: LogTarget | undefined;
  readonly quiet: boolean;
  /** Paced at speed 1: events appear as they happen, stamped with the wall clock. */
  readonly realTime: boolean;
}

/**
 * Validates every `simulate` option; throws a UsageError naming the first bad one.
 * Options that need files (cars, scenario) come last and load their modules on use:
 * the schema validator and YAML parser cost a few hundred milliseconds of start-up
 * that a typo in `--hz` should not pay.
 */
export async function parseSimulateOptions(
  raw: RawSimulateOptions,
  nowMs = Date.now(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<SimulateSettings> {
  const d = SIMULATE_DEFAULTS;
  const vehicles = parseIntegerOption('--vehicles', raw.vehicles ?? d.vehicles, LIMITS.vehicles);
  const hz = parseNumberOption('--hz', raw.hz ?? d.hz, LIMITS.hz);
  const durationS = parseDurationOption(
    '--duration',
    raw.duration ?? d.duration,
    LIMITS.durationS.min,
  );
  const sessionDurationS =
    raw.sessionDuration === undefined
      ? durationS
      : parseDurationOption('--session-duration', raw.sessionDuration, LIMITS.durationS.min);
  const seed = parseIntegerOption('--seed', raw.seed ?? d.seed, LIMITS.seed);
  const drivers = parseDrivers(raw.drivers ?? d.drivers);
  const faults = parseFaults(raw.faults ?? d.faults, raw.faultRate ?? []);
  const speed = parseSpeed(raw.realtime === true, raw.speed);
  const realTime = speed === 1;
  // Real time means "now": a live feed stamped with a fixed past date would mislead consumers.
  const startTimeMs =
    raw.start === undefined && realTime ? nowMs : parseTimeOption('--start', raw.start ?? d.start);
  const out = raw.out ?? d.out;
  if (out.trim() === '') throw invalidOption('--out', 'a file path or - for stdout', out);
  const sink = parseChoiceOption('--sink', raw.sink ?? d.sink, SINKS);
  let log: LogTarget | undefined;
  if (sink === 'file') refuseLogOptions(raw, '--sink');
  else log = parseLogTarget(sink, raw, '--sink', env);
  const cars = await parseCars(raw.cars ?? d.cars);
  const scenario =
    raw.scenario === undefined
      ? undefined
      : (await import('./scenarios.js')).loadScenarioArgument('--scenario', raw.scenario);
  return {
    simulation: {
      vehicles,
      seed,
      hz,
      drivers,
      cars,
      faults,
      durationS,
      sessionDurationS,
      startTimeMs,
      speed,
      scenario,
    },
    out,
    sink,
    log,
    quiet: raw.quiet === true,
    realTime,
  };
}

function parseDrivers(text: string): 'mix' | DriverProfileName {
  return parseChoiceOption<'mix' | DriverProfileName>('--drivers', text, DRIVER_CHOICES);
}

async function parseCars(text: string): Promise<string> {
  const { shippedCars } = await import('../sim/car.js');
  const ids = shippedCars().map((car) => car.id);
  if (text !== 'mix' && !ids.includes(text)) {
    throw invalidOption('--cars', `mix or a car id (${ids.join(', ')})`, text);
  }
  return text;
}

/** `outOfOrder`, `out-of-order` and `out_of_order` all name the same rate. */
function faultKey(text: string): string {
  return text.replace(/[-_]/g, '').toLowerCase();
}

function parseFaults(presetText: string, overrides: readonly string[]): FaultRates {
  const preset = parseChoiceOption('--faults', presetText, FAULT_PRESET_NAMES);
  const rates: Record<keyof FaultRates, number> = { ...FAULT_PRESETS[preset] };
  for (const text of overrides) {
    const match = /^([A-Za-z_-]+)=(.*)$/.exec(text.trim());
    if (!match) throw invalidOption('--fault-rate', 'name=value, such as spike=0.01', text);
    const name = FAULT_NAMES.find((n) => faultKey(n) === faultKey(match[1]!));
    if (name === undefined) {
      throw new UsageError(
        `--fault-rate: unknown fault ${JSON.stringify(match[1])} (known: ${FAULT_NAMES.join(', ')})`,
      );
    }
    rates[name] = parseNumberOption(`--fault-rate ${name}`, match[2]!, LIMITS.faultRate);
  }
  return rates;
}

function parseSpeed(realtime: boolean, text: string | undefined): number {
  if (realtime && text !== undefined) {
    throw new UsageError(
      '--realtime and --speed cannot be used together (--realtime is --speed 1)',
    );
  }
  if (realtime) return 1;
  if (text === undefined || text === 'max') return 0;
  const speed = Number(text.trim());
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(text.trim()) || speed < LIMITS.speed.min) {
    throw invalidOption('--speed', 'a positive number (10 = ten times real time), 0 or max', text);
  }
  return speed;
}
