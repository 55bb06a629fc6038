// Runs a fleet simulation for a command: opens the output, draws progress, stops
// cleanly on Ctrl-C or when the reader of stdout goes away, and reports how it ended.
import { constants } from 'node:os';
import { IoError, PitwallError } from '../errors.js';
import { FleetRunner, type SimulationOptions, type SimulationStats } from '../sim/runner.js';
import { NdjsonSink } from '../telemetry/ndjson-sink.js';
import type { RecordBatch, TelemetrySink } from '../telemetry/sink.js';
import type { CliIo } from './context.js';
import { describeIoError, isBrokenPipe, openOutput } from './output.js';
import { ProgressLine } from './progress.js';
import type { LogTarget } from './log-options.js';

/** Where the events go: a sink, a name for messages, and what to release at the end. */
interface Destination {
  readonly sink: TelemetrySink;
  readonly label: string;
  /** Releases the destination after the sink is closed (or after a failure). */
  close(): Promise<void>;
}

async function openDestination(io: CliIo, options: RunSimulationOptions): Promise<Destination> {
  if (options.log) {
    const { connection, topic, partitions } = options.log;
    const [{ openLogTransport, describeConnection }, { LogSink }] = await Promise.all([
      import('../log/connect.js'),
      import('../log/log-sink.js'),
    ]);
    const transport = await openLogTransport(connection);
    try {
      const sink = await LogSink.open(transport, { topic, partitions });
      return {
        sink,
        label: `topic ${topic} of ${describeConnection(connection)}`,
        close: () => transport.close(),
      };
    } catch (error) {
      await transport.close();
      throw error;
    }
  }
  const output = await openOutput(options.out, io.stdout, {
    createDir: options.createOutDir === true,
  });
  return { sink: new NdjsonSink(output.stream), label: output.label, close: () => output.close() };
}

export interface RunSimulationOptions {
  readonly simulation: SimulationOptions;
  /** A file path, or `-` for stdout. */
  readonly out: string;
  /** When set, events go to this log topic (embedded or Kafka) instead of `out`. */
  readonly log?: LogTarget | undefined;
  /** Create the output's missing parent folders. */
  readonly createOutDir?: boolean;
  /** Draw a progress line on stderr. */
  readonly progress: boolean;
  /** Sees every batch before it is written (for tallies). */
  readonly observe?: (batch: RecordBatch) => void;
}

export type SimulationOutcome =
  | { readonly kind: 'completed'; readonly stats: SimulationStats; readonly output: string }
  /** Stopped by a signal; the output holds whole lines but unfinished sessions. */
  | {
      readonly kind: 'interrupted';
      readonly signal: NodeJS.Signals;
      readonly exitCode: number;
      readonly events: number;
      readonly output: string;
    }
  /** The reader of stdout went away: nobody wants the rest. */
  | { readonly kind: 'broken-pipe' };

/** Thrown through the runner to unwind it; never leaves this file. */
class StopRun extends Error {
  readonly reason: 'signal' | 'broken-pipe';
  constructor(reason: 'signal' | 'broken-pipe') {
    super(reason);
    this.reason = reason;
  }
}

/** Yield to the event loop at least this often, so signals and stream errors get through. */
const YIELD_INTERVAL_MS = 50;

/** Wraps the destination's sink: counts, observes, turns stop requests and write errors into StopRun or IoError. */
class GuardedSink implements TelemetrySink {
  readonly #inner: TelemetrySink;
  readonly #output: Destination;
  readonly #observe: ((batch: RecordBatch) => void) | undefined;
  #lastYieldMs = performance.now();
  stopSignal: NodeJS.Signals | undefined;
  events = 0;

  constructor(output: Destination, observe: ((batch: RecordBatch) => void) | undefined) {
    this.#output = output;
    this.#inner = output.sink;
    this.#observe = observe;
  }

  async write(batch: RecordBatch): Promise<void> {
    // Writes to a file or a synchronous pipe may never wait on I/O; without this the
    // loop would not see Ctrl-C until the run ends.
    if (performance.now() - this.#lastYieldMs > YIELD_INTERVAL_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#lastYieldMs = performance.now();
    }
    if (this.stopSignal !== undefined) throw new StopRun('signal');
    this.#observe?.(batch);
    try {
      await this.#inner.write(batch);
    } catch (error) {
      throw this.#translate(error);
    }
    this.events += batch.values.length;
  }

  async close(): Promise<void> {
    try {
      await this.#inner.close();
    } catch (error) {
      throw this.#translate(error);
    }
    await this.#output.close();
  }

  #translate(error: unknown): Error {
    if (isBrokenPipe(error)) return new StopRun('broken-pipe');
    // The log's own errors already say what went wrong, with a code.
    if (error instanceof PitwallError) return error;
    return new IoError(`cannot write ${this.#output.label}: ${describeIoError(error)}`, {
      cause: error,
    });
  }
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly NodeJS.Signals[];

/** Runs the simulation described by `options`, writing NDJSON to its output. */
export async function runSimulation(
  io: CliIo,
  options: RunSimulationOptions,
): Promise<SimulationOutcome> {
  const output = await openDestination(io, options);
  const sink = new GuardedSink(output, options.observe);
  const progress = options.progress ? new ProgressLine(io.stderr) : undefined;
  // First signal: finish the batch in hand and close the output. The listener is gone
  // after that, so a second Ctrl-C kills the process the default way.
  const onSignal = (signal: NodeJS.Signals): void => {
    sink.stopSignal = signal;
  };
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  try {
    const runner = new FleetRunner(options.simulation);
    const stats = await runner.run(sink, progress && ((p) => progress.update(p)));
    progress?.clear();
    await sink.close();
    return { kind: 'completed', stats, output: output.label };
  } catch (error) {
    progress?.clear();
    if (!(error instanceof StopRun)) {
      await output.close().catch(() => {});
      throw error;
    }
    if (error.reason === 'broken-pipe') return { kind: 'broken-pipe' };
    await output.close();
    const signal = sink.stopSignal ?? 'SIGINT';
    return {
      kind: 'interrupted',
      signal,
      // The shell convention for "ended by signal N".
      exitCode: 128 + constants.signals[signal],
      events: sink.events,
      output: output.label,
    };
  } finally {
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
  }
}
