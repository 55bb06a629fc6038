// Newline-delimited JSON output to a file or stdout, with backpressure.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { RecordBatch, TelemetrySink } from './sink.js';

export class NdjsonSink implements TelemetrySink {
  readonly #stream: Writable;
  readonly #ownsStream: boolean;
  #error: Error | undefined;
  bytesWritten = 0;

  /** Writes to `target`: a file path, or an already open stream (such as stdout). */
  constructor(target: string | Writable) {
    this.#ownsStream = typeof target === 'string';
    this.#stream = typeof target === 'string' ? createWriteStream(target) : target;
    this.#stream.on('error', (error: Error) => {
      this.#error = error;
    });
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.#error) throw this.#error;
    const values = batch.values;
    if (values.length === 0) return;
    let size = values.length;
    for (const value of values) size += value.length;
    // One copy into a fresh buffer: the values are views the producer will reuse.
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const value of values) {
      out.set(value, at);
      at += value.length;
      out[at++] = 10;
    }
    this.bytesWritten += size;
    if (!this.#stream.write(out)) await once(this.#stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.#error) throw this.#error;
    if (!this.#ownsStream) return;
    this.#stream.end();
    await once(this.#stream, 'finish');
  }
}
