// What every command receives: the streams it may write to and the environment, so
// the CLI can run in-process with captured output as well as from `bin/pitwall.js`.
import type { Writable } from 'node:stream';

export interface CliIo {
  /** Command results and, with `--out -`, telemetry. Nothing else goes here. */
  readonly stdout: Writable;
  /** Errors, progress and summaries. */
  readonly stderr: Writable;
  /** Progress lines are redrawn with `\r`, which only makes sense on a terminal. */
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface CliContext {
  readonly io: CliIo;
  /** Set by a command that finishes without an error but must not report success. */
  exitCode: number;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** Writes `text` and a newline. */
export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}
