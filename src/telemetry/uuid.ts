// Name-based UUIDs (RFC 9562 §5.5, version 5: SHA-1 of namespace + name).
import { createHash } from 'node:crypto';

/** Namespace of every Pitwall event and session id. */
export const PITWALL_NAMESPACE = '6f1c5e52-8a0c-4b8e-9d3a-51f0a7e2c0de';

const HEX: string[] = Array.from({ length: 256 }, (_, k) => k.toString(16).padStart(2, '0'));

function parseUuid(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

const NAMESPACE_BYTES = parseUuid(PITWALL_NAMESPACE);

/** UUIDv5 of `name` in `namespace` (Pitwall's by default). */
export function uuidV5(name: string, namespace: string | Buffer = NAMESPACE_BYTES): string {
  const ns = typeof namespace === 'string' ? parseUuid(namespace) : namespace;
  const b = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b6 = (b[6]! & 0x0f) | 0x50;
  const b8 = (b[8]! & 0x3f) | 0x80;
  return (
    HEX[b[0]!]! + HEX[b[1]!]! + HEX[b[2]!]! + HEX[b[3]!]! + '-' +
    HEX[b[4]!]! + HEX[b[5]!]! + '-' + HEX[b6]! + HEX[b[7]!]! + '-' +
    HEX[b8]! + HEX[b[9]!]! + '-' +
    HEX[b[10]!]! + HEX[b[11]!]! + HEX[b[12]!]! + HEX[b[13]!]! + HEX[b[14]!]! + HEX[b[15]!]!
  );
}
