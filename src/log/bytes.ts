// Turning what callers pass (strings, Buffers, Uint8Arrays, header records or maps) into
// bytes without copying where possible, with errors that name the bad message.
import { ERROR_CODES, LogError } from '../errors.js';
import type { LogBytes, LogHeadersInput } from './types.js';

/** A Buffer over the same memory as `bytes` (no copy), or the UTF-8 encoding of a string. */
export function toBuffer(bytes: LogBytes): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function isLogBytes(value: unknown): value is LogBytes {
  return typeof value === 'string' || value instanceof Uint8Array;
}

/** A header as stored: UTF-8 name and value bytes. */
export type HeaderEntry = readonly [name: Buffer, value: Buffer];

/** Header entries of a message, or `null` for none; `what` names the message in errors. */
export function headerEntries(
  headers: LogHeadersInput | undefined,
  what: string,
): HeaderEntry[] | null {
  if (headers === undefined || headers === null) return null;
  if (typeof headers !== 'object') {
    throw new LogError(ERROR_CODES.logInvalidArgument, `${what}.headers must be a record or a Map`);
  }
  const pairs =
    headers instanceof Map
      ? [...(headers as ReadonlyMap<string, LogBytes>)]
      : Object.entries(headers);
  if (pairs.length === 0) return null;
  return pairs.map(([name, value]) => {
    if (typeof name !== 'string') {
      throw new LogError(ERROR_CODES.logInvalidArgument, `${what}.headers names must be strings`);
    }
    if (!isLogBytes(value)) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        `${what}.headers["${name}"] must be a string, Buffer or Uint8Array`,
      );
    }
    return [Buffer.from(name, 'utf8'), toBuffer(value)] as const;
  });
}
