// Replays a recorded NDJSON file into a log topic: each line becomes one message holding
// exactly that line's bytes (no parsing, so broken or hostile lines go through as they
// are), keyed by the line's vehicle id when it has one, paced by its event time or sent
// as fast as the log takes them.
import { createReadStream } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { IoError } from '../errors.js';
import type { LogTarget } from './log-options.js';
import { describeIoError } from './output.js';

/** Messages handed to the log in one `send`. */
const BATCH_LINES = 1000;
/** Pacing waits shorter than this are skipped: timers are not that precise anyway. */
const MIN_WAIT_MS = 2;

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const VEHICLE_ID = Buffer.from('"vehicle_id":"');
const EVENT_TIME = Buffer.from('"event_time":"');

/**
 * Splits a byte stream into lines without their `\n`, byte for byte (a `\r` stays, invalid
 * UTF-8 stays). Yields the lines of each chunk together; a last line without `\n` counts.
 * Lines are views into the chunks, which the stream does not reuse.
 */
export async function* readLineBatches(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  for await (const chunk of input) {
    const lines: Buffer[] = [];
    let start = 0;
    let end = chunk.indexOf(NEWLINE, start);
    while (end !== -1) {
      if (carry.length > 0) {
        carry.push(chunk.subarray(start, end));
        lines.push(Buffer.concat(carry, carryBytes + end - start));
        carry = [];
        carryBytes = 0;
      } else {
        lines.push(chunk.subarray(start, end));
      }
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start));
      carryBytes += chunk.length - start;
    }
    if (lines.length > 0) yield lines;
  }
  if (carry.length > 0) yield [Buffer.concat(carry, carryBytes)];
}

/** The text of a JSON string member `"name":"…"` found by a byte search, without escapes. */
function stringMember(line: Buffer, prefix: Buffer, maxLength: number): string | undefined {
  const at = line.indexOf(prefix);
  if (at === -1) return undefined;
  const start = at + prefix.length;
  const end = line.indexOf(QUOTE, start);
  if (end === -1 || end - start > maxLength || end === start) return undefined;
  // An escaped character means the value is not the plain text between the quotes.
  if (line.subarray(start, end).includes(BACKSLASH)) return undefined;
  return line.toString('utf8', start, end);
}

/** The message key of a line: its `vehicle_id`, so a vehicle's events keep their order. */
export function lineKey(line: Buffer): string | null {
  return stringMember(line, VEHICLE_ID, 200) ?? null;
}

/** A line's `event_time` in epoch ms, when it has a readable one. */
export function lineEventTimeMs(line: Buffer): number | undefined {
  const text = stringMember(line, EVENT_TIME, 40);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

export interface ReplayOptions {
  /** A file path, or `-` for stdin. */
  readonly file: string;
  readonly target: LogTarget;
  /** 1 = original timing, 10 = ten times faster, 0 = as fast as possible. */
  readonly speed: number;
  /** Called about once a second with the lines sent so far. */
  readonly onProgress?: (lines: number) => void;
}

export interface ReplayStats {
  readonly lines: number;
  readonly bytes: number;
  /** Lines without a readable vehicle id, sent without a key (spread over partitions). */
  readonly unkeyed: number;
  readonly wallS: number;
}

export type ReplayOutcome =
  | { readonly kind: 'completed'; readonly stats: ReplayStats; readonly label: string }
  | {
      readonly kind: 'interrupted';
      readonly signal: NodeJS.Signals;
      readonly exitCode: number;
      readonly stats: ReplayStats;
      readonly label: string;
    };

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly NodeJS.Signals[];

async function openInput(file: string, stdin: Readable): Promise<AsyncIterable<Buffer>> {
  if (file === '-') return stdin as AsyncIterable<Buffer>;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  // Fail before connecting to the log when the file cannot be read.
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? 'no such file' : describeIoError(error);
      reject(new IoError(`cannot read ${file}: ${reason}`, { cause: error }));
    });
  });
  return stream as AsyncIterable<Buffer>;
}

/** Sends every line of `options.file` to the target topic; stops cleanly on SIGINT/SIGTERM. */
export async function runReplay(options: ReplayOptions, stdin: Readable): Promise<ReplayOutcome> {
  const input = await openInput(options.file, stdin);
  const { connection, topic, partitions } = options.target;
  const [{ openLogTransport, describeConnection }, { LogSink }] = await Promise.all([
    import('../log/connect.js'),
    import('../log/log-sink.js'),
  ]);
  const label = `topic ${topic} of ${describeConnection(connection)}`;
  const transport = await openLogTransport(connection);
  let stopSignal: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal = signal;
    wake?.();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const started = performance.now();
  let lines = 0;
  let bytes = 0;
  let unkeyed = 0;
  const stats = (): ReplayStats => ({
    lines,
    bytes,
    unkeyed,
    wallS: (performance.now() - started) / 1000,
  });
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  try {
    const sink = await LogSink.open(transport, { topic, partitions });
    let keys: (string | null)[] = [];
    let values: Buffer[] = [];
    let lastProgress = started;
    const flush = async (): Promise<void> => {
      if (values.length === 0) return;
      const batch = { keys, values };
      keys = [];
      values = [];
      await sink.write(batch);
    };
    let firstEventMs: number | undefined;
    let firstWallMs = 0;
    try {
      outer: for await (const batch of readLineBatches(input)) {
        for (const line of batch) {
          if (stopSignal !== undefined) break outer;
          if (options.speed > 0) {
            const eventMs = lineEventTimeMs(line);
            if (eventMs !== undefined) {
              if (firstEventMs === undefined) {
                firstEventMs = eventMs;
                firstWallMs = performance.now();
              }
              const wait =
                firstWallMs + (eventMs - firstEventMs) / options.speed - performance.now();
              if (wait >= MIN_WAIT_MS) {
                // What is due now goes out before the pause.
                await flush();
                await sleep(wait);
                if (stopSignal !== undefined) break outer;
              }
            }
          }
          const key = lineKey(line);
          if (key === null) unkeyed++;
          keys.push(key);
          values.push(line);
          lines++;
          bytes += line.length;
          if (values.length >= BATCH_LINES) await flush();
        }
        const now = performance.now();
        if (options.onProgress && now - lastProgress > 1000) {
          lastProgress = now;
          options.onProgress(lines);
        }
        // Reading a file never waits long enough for a signal to get through otherwise.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      // System errors while reading (EIO, EISDIR, …) name the file; the log's own errors
      // and bugs pass through unchanged.
      if (error instanceof Error && 'syscall' in error)
        throw new IoError(`cannot read ${options.file}: ${describeIoError(error)}`, {
          cause: error,
        });
      throw error;
    }
    await flush();
    await sink.close();
    if (stopSignal !== undefined) {
      return {
        kind: 'interrupted',
        signal: stopSignal,
        exitCode: 128 + constants.signals[stopSignal],
        stats: stats(),
        label,
      };
    }
    return { kind: 'completed', stats: stats(), label };
  } finally {
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
    await transport.close();
  }
}
