// A writer of the Thrift compact protocol, for the few structs a Parquet footer and page
// header need (Thrift's "compact protocol" specification: field headers as id deltas and
// type nibbles, zigzag varints, lists with a size nibble).

/** Compact-protocol type ids of a field or list element. */
export const CompactType = {
  BOOLEAN_TRUE: 1,
  BOOLEAN_FALSE: 2,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

type ElementType = (typeof CompactType)['I32' | 'BINARY' | 'STRUCT'];

/**
 * Writes one Thrift message into a growing buffer. Structs nest with `beginStruct` /
 * `endStruct`; the writer keeps the last field id of each open struct, since field headers
 * hold the difference to it.
 */
export class CompactWriter {
  #buffer: Buffer;
  #length = 0;
  #lastField = 0;
  readonly #stack: number[] = [];

  constructor(initialBytes = 256) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes written so far (a view: valid until the next write). */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  /** Forgets what was written, to encode the next message into the same memory. */
  reset(): void {
    this.#length = 0;
    this.#lastField = 0;
    this.#stack.length = 0;
  }

  #room(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + n));
    this.#buffer.copy(next, 0, 0, this.#length);
    this.#buffer = next;
  }

  #byte(value: number): void {
    this.#room(1);
    this.#buffer[this.#length++] = value;
  }

  /** Unsigned varint of a non-negative integer up to 2^53 (numbers, not bigints). */
  #varint(value: number): void {
    this.#room(10);
    let v = value;
    while (v >= 0x80) {
      this.#buffer[this.#length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buffer[this.#length++] = v;
  }

  /** Zigzag: 0, -1, 1, -2, … → 0, 1, 2, 3, … (exact for |value| < 2^52). */
  #zigzag(value: number): void {
    this.#varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  #fieldHeader(id: number, type: number): void {
    const delta = id - this.#lastField;
    if (delta > 0 && delta <= 15) {
      this.#byte((delta << 4) | type);
    } else {
      this.#byte(type);
      this.#zigzag(id);
    }
    this.#lastField = id;
  }

  i32(id: number, value: number): this {
    this.#fieldHeader(id, CompactType.I32);
    this.#zigzag(value);
    return this;
  }

  /** An i64 field; Parquet's i64s here are sizes, offsets and counts, well below 2^52. */
  i64(id: number, value: number): this {
    this.#fieldHeader(id, CompactType.I64);
    this.#zigzag(value);
    return this;
  }

  /** A bool field: the value is the field header's type nibble. */
  bool(id: number, value: boolean): this {
    this.#fieldHeader(id, value ? CompactType.BOOLEAN_TRUE : CompactType.BOOLEAN_FALSE);
    return this;
  }

  binary(id: number, value: Uint8Array): this {
    this.#fieldHeader(id, CompactType.BINARY);
    this.#rawBinary(value);
    return this;
  }

  string(id: number, value: string): this {
    return this.binary(id, Buffer.from(value, 'utf8'));
  }

  #rawBinary(value: Uint8Array): void {
    this.#varint(value.length);
    this.#room(value.length);
    this.#buffer.set(value, this.#length);
    this.#length += value.length;
  }

  /** Opens a struct field (or, with `id` undefined, a struct element of a list). */
  beginStruct(id?: number): this {
    if (id !== undefined) this.#fieldHeader(id, CompactType.STRUCT);
    this.#stack.push(this.#lastField);
    this.#lastField = 0;
    return this;
  }

  /** Writes the STOP byte of the innermost open struct (the message itself included). */
  endStruct(): this {
    this.#byte(0);
    this.#lastField = this.#stack.pop() ?? 0;
    return this;
  }

  /** A list field header; the caller then writes `size` elements of `elementType`. */
  beginList(id: number, elementType: ElementType, size: number): this {
    this.#fieldHeader(id, CompactType.LIST);
    if (size < 15) {
      this.#byte((size << 4) | elementType);
    } else {
      this.#byte(0xf0 | elementType);
      this.#varint(size);
    }
    return this;
  }

  /** An i32 list element (enums included). */
  elementI32(value: number): this {
    this.#zigzag(value);
    return this;
  }

  elementString(value: string): this {
    this.#rawBinary(Buffer.from(value, 'utf8'));
    return this;
  }
}
