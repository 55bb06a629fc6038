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
    if (batch.values.length === 0) return;
    const text = batch.values.join('\n') + '\n';
    this.bytesWritten += Buffer.byteLength(text);
    if (!this.#stream.write(text)) await once(this.#stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.#error) throw this.#error;
    if (!this.#ownsStream) return;
    this.#stream.end();
    await once(this.#stream, 'finish');
  }
}
