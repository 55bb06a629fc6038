// The model file (`.pwrf`): a JSON header and binary typed-array sections, checked by a
// magic number, a format version and a CRC-32. Layout (docs/ml.md, "Model file"):
//
//   0      4  magic "PWRF"
//   4      4  format version, uint32 little-endian
//   8      4  header length H in bytes, uint32 LE
//   12     H  header, UTF-8 JSON (classes, feature names, parameters, sections)
//   …         sections, each at an 8-byte-aligned offset the header gives, little-endian
//   end−4  4  CRC-32 (IEEE) of every byte before it, uint32 LE
import { endianness } from 'node:os';
import { MlError } from '../../errors.js';
import { NODE_BYTES, flatForest, type FlatForest } from './flat-forest.js';
import type { ForestParams } from './options.js';

export const MODEL_MAGIC = 'PWRF';
export const MODEL_FORMAT = 'pitwall-random-forest';
export const MODEL_FORMAT_VERSION = 1;

const SECTION_TYPES = {
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  /** Node records of NODE_BYTES bytes (float64 threshold, int32 child, int32 feature word). */
  node16: Uint8Array,
} as const;
type SectionType = keyof typeof SECTION_TYPES;

interface SectionEntry {
  readonly name: string;
  readonly type: SectionType;
  /** Byte offset from the start of the file. */
  readonly offset: number;
  /** Elements (records for node16). */
  readonly length: number;
}

/** The header's JSON. */
export interface ModelHeader {
  readonly format: typeof MODEL_FORMAT;
  readonly formatVersion: number;
  readonly classes: readonly string[];
  readonly featureNames: readonly string[] | null;
  readonly nFeatures: number;
  readonly nTrees: number;
  readonly nNodes: number;
  readonly nLeaves: number;
  readonly params: ForestParams;
  /** Free-form string pairs the caller attached (data version, run id, …). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly sections: readonly SectionEntry[];
}

/** Everything a model file holds. */
export interface ModelContents {
  readonly classes: readonly string[];
  readonly featureNames: readonly string[] | null;
  readonly params: ForestParams;
  readonly metadata: Readonly<Record<string, string>>;
  readonly forest: FlatForest;
  readonly featureImportances: Float64Array;
  readonly treeDepth: Int32Array;
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and PNG use). */
export function crc32(bytes: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The bytes of a typed array in little-endian order. */
function littleEndianBytes(array: Int32Array | Float32Array | Float64Array | Uint8Array): Buffer {
  const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  if (endianness() === 'LE' || array instanceof Uint8Array) return bytes;
  const copy = Buffer.from(bytes);
  return array instanceof Float64Array ? copy.swap64() : copy.swap32();
}

function nodesLittleEndian(forest: FlatForest): Buffer {
  const bytes = Buffer.from(forest.nodes);
  if (endianness() === 'LE') return bytes;
  const copy = Buffer.from(bytes);
  for (let o = 0; o < copy.length; o += NODE_BYTES) {
    copy.subarray(o, o + 8).swap64();
    copy.subarray(o + 8, o + 16).swap32();
  }
  return copy;
}

/** Serialises a model. */
export function encodeModel(contents: ModelContents): Buffer {
  const { forest } = contents;
  const nNodes = forest.nodes.byteLength / NODE_BYTES;
  const payloads: { name: string; type: SectionType; length: number; bytes: Buffer }[] = [
    {
      name: 'treeRoot',
      type: 'int32',
      length: forest.treeRoot.length,
      bytes: littleEndianBytes(forest.treeRoot),
    },
    {
      name: 'treeDepth',
      type: 'int32',
      length: contents.treeDepth.length,
      bytes: littleEndianBytes(contents.treeDepth),
    },
    { name: 'nodes', type: 'node16', length: nNodes, bytes: nodesLittleEndian(forest) },
    {
      name: 'leafValues',
      type: 'float32',
      length: forest.leafValues.length,
      bytes: littleEndianBytes(forest.leafValues),
    },
    {
      name: 'featureImportances',
      type: 'float64',
      length: contents.featureImportances.length,
      bytes: littleEndianBytes(contents.featureImportances),
    },
  ];
  // Offsets depend on the header's length, which depends on the offsets: lay the sections
  // out after a reserved header size, and grow the reserve until the header fits (JSON
  // allows the trailing spaces that pad it).
  let reserve = 0;
  let headerBytes: Buffer;
  let sections: SectionEntry[];
  for (;;) {
    let offset = align8(12 + reserve);
    sections = payloads.map((p) => {
      const entry = { name: p.name, type: p.type, offset, length: p.length };
      offset = align8(offset + p.bytes.length);
      return entry;
    });
    const header: ModelHeader = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      classes: contents.classes,
      featureNames: contents.featureNames,
      nFeatures: forest.nFeatures,
      nTrees: forest.treeRoot.length,
      nNodes,
      nLeaves: forest.leafValues.length / forest.nClasses,
      params: contents.params,
      metadata: contents.metadata,
      sections,
    };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    if (json.length <= reserve) {
      headerBytes = Buffer.alloc(reserve, 0x20);
      json.copy(headerBytes);
      break;
    }
    reserve = json.length + 64;
  }
  const last = sections[sections.length - 1]!;
  const end = align8(last.offset + payloads[payloads.length - 1]!.bytes.length);
  const out = Buffer.alloc(end + 4);
  out.write(MODEL_MAGIC, 0, 'latin1');
  out.writeUInt32LE(MODEL_FORMAT_VERSION, 4);
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  sections.forEach((s, k) => payloads[k]!.bytes.copy(out, s.offset));
  out.writeUInt32LE(crc32(out.subarray(0, end)), end);
  return out;
}

function corrupt(reason: string): MlError {
  return new MlError(`not a readable Pitwall model file: ${reason}`);
}

/** A section's bytes as a typed array (copied, so it is aligned and owns its buffer). */
function readSection(
  bytes: Uint8Array,
  header: ModelHeader,
  name: string,
  type: SectionType,
): ArrayBuffer {
  const entry = header.sections.find((s) => s.name === name);
  if (entry === undefined) throw corrupt(`section "${name}" is missing`);
  if (entry.type !== type)
    throw corrupt(`section "${name}" has type ${entry.type}, expected ${type}`);
  const width = type === 'node16' ? NODE_BYTES : SECTION_TYPES[type].BYTES_PER_ELEMENT;
  const size = entry.length * width;
  if (
    !Number.isSafeInteger(entry.offset) ||
    !Number.isSafeInteger(entry.length) ||
    entry.offset < 12 ||
    entry.length < 0 ||
    entry.offset + size > bytes.length - 4
  ) {
    throw corrupt(`section "${name}" lies outside the file`);
  }
  const copy = Buffer.from(bytes.subarray(entry.offset, entry.offset + size));
  if (endianness() !== 'LE') {
    if (type === 'float64') copy.swap64();
    else if (type === 'int32' || type === 'float32') copy.swap32();
    else {
      for (let o = 0; o < copy.length; o += NODE_BYTES) {
        copy.subarray(o, o + 8).swap64();
        copy.subarray(o + 8, o + 16).swap32();
      }
    }
  }
  const buffer = new ArrayBuffer(size);
  new Uint8Array(buffer).set(copy);
  return buffer;
}

/** Parses and checks a model file; every structural problem is an MlError. */
export function decodeModel(bytes: Uint8Array): ModelContents {
  if (bytes.length < 16) throw corrupt(`${bytes.length} bytes is too short`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.toString('latin1', 0, 4) !== MODEL_MAGIC) {
    throw corrupt(`it does not start with "${MODEL_MAGIC}"`);
  }
  const version = buffer.readUInt32LE(4);
  if (version !== MODEL_FORMAT_VERSION) {
    throw new MlError(
      `model file format version ${version} is not supported (this Pitwall reads version ${MODEL_FORMAT_VERSION})`,
    );
  }
  const stored = buffer.readUInt32LE(buffer.length - 4);
  if (crc32(buffer.subarray(0, buffer.length - 4)) !== stored) {
    throw corrupt('its checksum does not match (truncated or altered)');
  }
  const headerLength = buffer.readUInt32LE(8);
  if (12 + headerLength > buffer.length - 4) throw corrupt('its header runs past the end');
  let header: ModelHeader;
  try {
    header = JSON.parse(buffer.toString('utf8', 12, 12 + headerLength)) as ModelHeader;
  } catch {
    throw corrupt('its header is not JSON');
  }
  if (header.format !== MODEL_FORMAT)
    throw corrupt(`its header names format "${String(header.format)}"`);
  const C = header.classes.length;
  const F = header.nFeatures;
  const treeRoot = new Int32Array(readSection(buffer, header, 'treeRoot', 'int32'));
  const treeDepth = new Int32Array(readSection(buffer, header, 'treeDepth', 'int32'));
  const nodes = readSection(buffer, header, 'nodes', 'node16');
  const leafValues = new Float32Array(readSection(buffer, header, 'leafValues', 'float32'));
  const featureImportances = new Float64Array(
    readSection(buffer, header, 'featureImportances', 'float64'),
  );
  if (C < 1 || treeRoot.length !== header.nTrees || treeDepth.length !== header.nTrees) {
    throw corrupt('tree counts disagree');
  }
  if (
    featureImportances.length !== F ||
    (header.featureNames !== null && header.featureNames.length !== F)
  ) {
    throw corrupt('feature counts disagree');
  }
  const forest = flatForest(C, F, treeRoot, nodes, leafValues);
  checkNodes(forest);
  return {
    classes: header.classes,
    featureNames: header.featureNames,
    params: header.params,
    metadata: header.metadata ?? {},
    forest,
    featureImportances,
    treeDepth,
  };
}

/** Every index in the node records points inside the forest, so prediction cannot read past it. */
function checkNodes(forest: FlatForest): void {
  const nNodes = forest.nodes.byteLength / NODE_BYTES;
  const nLeaves = forest.leafValues.length / forest.nClasses;
  if (!Number.isInteger(nLeaves)) throw corrupt('leaf values do not divide into classes');
  const i32 = forest.nodeI32;
  for (let n = 0; n < nNodes; n++) {
    const child = i32[4 * n + 2]!;
    if (child >= 0) {
      // Children come after their parent, so every path ends (no cycles).
      if (child <= n || child + 1 >= nNodes) throw corrupt(`node ${n} points outside the forest`);
      const feature = i32[4 * n + 3]! >> 1;
      if (feature < 0 || feature >= forest.nFeatures)
        throw corrupt(`node ${n} names feature ${feature}`);
    } else if (-child - 1 >= nLeaves) {
      throw corrupt(`node ${n} names leaf ${-child - 1} of ${nLeaves}`);
    }
  }
  for (const root of forest.treeRoot) {
    if (root < 0 || root >= nNodes) throw corrupt(`a tree root ${root} lies outside the forest`);
  }
}
