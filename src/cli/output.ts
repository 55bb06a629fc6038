// Where a command's telemetry goes: a file (opened before any work starts, so a bad
// path fails at once) or stdout. Also recognises a closed pipe (`| head`).
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { IoError } from '../errors.js';

export interface Output {
  readonly stream: Writable;
  /** The path as given, or `stdout`. */
  readonly label: string;
  readonly isStdout: boolean;
  /** Flushes and closes a file; leaves stdout open. */
  close(): Promise<void>;
}

interface ErrnoError extends Error {
  readonly code?: string;
}

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error ? (error as ErrnoError).code : undefined;
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
};

/** A short reason for an I/O error, without the stack or a repeated path. */
export function describeIoError(error: unknown): string {
  const code = errnoCode(error);
  if (code !== undefined) return ERRNO_TEXT[code] ?? code;
  return error instanceof Error ? error.message : String(error);
}

/** True when the reader of our output went away (`pitwall simulate --out - | head`). */
export function isBrokenPipe(error: unknown): boolean {
  return errnoCode(error) === 'EPIPE';
}

const guarded = new WeakSet<Writable>();

/**
 * Keeps a closed pipe on `stream` from crashing the process with an unhandled 'error'
 * event. Writers that care (the telemetry sink) see the error through their own listener.
 */
export function guardBrokenPipe(stream: Writable): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', () => {});
}

/** Opens `target` (`-` = stdout) for writing; `createDir` makes the missing parent folders. */
export async function openOutput(
  target: string,
  stdout: Writable,
  options: { readonly createDir?: boolean } = {},
): Promise<Output> {
  if (target === '-') {
    return { stream: stdout, label: 'stdout', isStdout: true, close: () => Promise.resolve() };
  }
  try {
    if (options.createDir === true) await mkdir(path.dirname(target), { recursive: true });
    const stream = createWriteStream(target);
    await once(stream, 'open');
    return {
      stream,
      label: target,
      isStdout: false,
      async close() {
        stream.end();
        try {
          await finished(stream);
        } catch (error) {
          throw new IoError(`cannot write ${target}: ${describeIoError(error)}`, { cause: error });
        }
      },
    };
  } catch (error) {
    throw new IoError(`cannot write ${target}: ${describeIoError(error)}`, { cause: error });
  }
}
