// Shared helpers of the benchmarks: the module contract `bench/run.ts` loads, timing of
// repeated runs with their median, aligned tables and a description of the machine.
import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../src/errors.js';

/** Figures of one benchmark run: the harness prints them as the last line, after `name`. */
export type Figures = Readonly<Record<string, number | string | boolean>>;

/** What every `bench/<name>.ts` exports. */
export interface BenchmarkModule {
  /** One line for the list `npm run bench` prints. */
  readonly description: string;
  /** Option help, printed by `npm run bench -- <name> --help`. */
  readonly usage?: string;
  /** Runs the benchmark: prints its tables to stdout and returns its figures. */
  run(args: readonly string[]): Figures | Promise<Figures>;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a benchmark's options strictly (unknown options and stray arguments are usage
 * errors, so a typo never silently measures the default).
 */
export function parseBenchArgs<const O extends OptionsConfig>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** A positive number option (`--vehicles 1000`), or the default when absent. */
export function numberOption(
  values: Readonly<Record<string, unknown>>,
  name: string,
  fallback: number,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string') throw new UsageError(`--${name} needs a value`);
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || x <= 0) {
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  }
  return x;
}

/** A positive whole-number option, or the default when absent. */
export function integerOption(
  values: Readonly<Record<string, unknown>>,
  name: string,
  fallback: number,
): number {
  const x = numberOption(values, name, fallback);
  if (!Number.isInteger(x)) throw new UsageError(`--${name} must be a whole number, got ${x}`);
  return x;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Spread of repeated measurements: (max − min) / median. */
export function relativeRange(xs: readonly number[]): number {
  return (Math.max(...xs) - Math.min(...xs)) / median(xs);
}

/** Wall and CPU time of one run; CPU above wall means more than one thread was busy (GC helpers). */
export interface Timing {
  readonly wallS: number;
  readonly cpuS: number;
}

/** Times `fn` once, wall clock and this process's CPU time (user + system). */
export function time(fn: () => void): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  fn();
  const wallS = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { wallS, cpuS: (used.user + used.system) / 1e6 };
}

/** `time` for async work. */
export async function timeAsync(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wallS = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { wallS, cpuS: (used.user + used.system) / 1e6 };
}

/** Rates of repeated runs, with their median and spread. */
export interface RateSample {
  /** Units per wall-clock second, one per run. */
  readonly rates: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max − min) / median. */
  readonly spread: number;
  /**
   * Median units per CPU second of this process. Less disturbed than the wall-clock rate
   * when other processes share the cores (time spent descheduled is not counted).
   */
  readonly medianPerCpuS: number;
  /** Median CPU seconds per wall second: below 1, the process waited for a core; above 1, GC helper threads ran too. */
  readonly cpuPerWall: number;
}

/** Runs `fn` `repetitions` times, each doing `work` units, and summarises units per second. */
export function measureRate(repetitions: number, work: number, fn: () => void): RateSample {
  const timings = Array.from({ length: repetitions }, () => time(fn));
  return summariseRates(
    timings.map(() => work),
    timings,
  );
}

/** Summarises runs that did `work[k]` units in `timings[k]`. */
export function summariseRates(work: readonly number[], timings: readonly Timing[]): RateSample {
  const rates = timings.map((t, k) => work[k]! / t.wallS);
  return {
    rates,
    median: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    spread: relativeRange(rates),
    medianPerCpuS: median(timings.map((t, k) => work[k]! / t.cpuS)),
    cpuPerWall: median(timings.map((t) => t.cpuS / t.wallS)),
  };
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  /** ISO 8601 time the benchmark started. */
  readonly date: string;
  /** 1-minute load average when the benchmark started: above ~1, other processes compete for the cores. */
  readonly loadAverage: number;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** Machine figures for the JSON line, prefixed `machine_`. */
export function machineFigures(machine: MachineInfo): Figures {
  return {
    machine_cpu: machine.cpu,
    machine_cores: machine.cores,
    machine_node: machine.node,
    machine_date: machine.date,
    machine_load_average: machine.loadAverage,
  };
}

export function printMachine(machine: MachineInfo): void {
  printTable(
    ['machine', ''],
    [
      ['cpu', `${machine.cpu} × ${machine.cores} cores`],
      ['memory', `${machine.memoryGiB} GiB`],
      ['node', `${machine.node} (V8 ${machine.v8})`],
      ['platform', machine.platform],
      ['date', machine.date],
      [
        'load average (1 min)',
        `${machine.loadAverage}${machine.loadAverage > 1 ? ' — other work may be competing for the cores: expect noisy figures' : ''}`,
      ],
    ],
  );
}

/** A table cell; numbers are formatted with `formatNumber`. */
export type Cell = string | number;

/** Prints rows with columns padded to their widest cell, a rule under the header, and a blank line after. */
export function printTable(header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const text = [header, ...rows].map((row) =>
    row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)),
  );
  // A column with any number in it is right-aligned, so placeholders such as "—" line up with figures.
  const numeric = header.map((_, c) => rows.some((row) => typeof row[c] === 'number'));
  const widths = header.map((_, c) => Math.max(...text.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  console.log(line(text[0]!));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of text.slice(1)) console.log(line(row));
  console.log('');
}

/** Thousands-grouped, with decimals only for small magnitudes: 5,123,456 · 812.4 · 0.031. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const digits =
    Math.abs(x) >= 1000 || Number.isInteger(x)
      ? 0
      : Math.abs(x) >= 10
        ? 1
        : Math.abs(x) >= 1
          ? 2
          : 3;
  return x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A percentage for tables: 0.123 → "12.3 %". */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)} %`;
}

/** Rounds a figure for the JSON line to `significant` digits (rates are not more precise than that). */
export function roundFigure(x: number, significant = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(significant));
}
