// Emission batches: the samples the sensors produced during a run of physics steps,
// stored as columns (row-major signal values) until the runner encodes them.
import { SIGNAL_COUNT } from '../telemetry/signals.js';

/** Bits in `EmissionBatch.flags`. */
export const SAMPLE_FLAGS = {
  /** Delivered twice (the transport retried). */
  duplicate: 1,
  /** Delivered after the vehicle's next sample. */
  outOfOrder: 2,
  /** One signal carries an outlier. */
  spike: 4,
  /** One signal repeats a frozen value. */
  stuck: 8,
  /** A scripted sensor failure affects one signal. */
  sensorFailure: 16,
} as const;

export class EmissionBatch {
  count = 0;
  capacity: number;
  vehicle: Int32Array;
  seq: Float64Array;
  /** Event time as the vehicle's clock reports it (with skew), epoch milliseconds. */
  timeMs: Float64Array;
  /** True event time, epoch milliseconds. */
  trueTimeMs: Float64Array;
  flags: Uint8Array;
  /** Measured values, `SIGNAL_COUNT` per sample; NaN means the sensor reported nothing. */
  values: Float64Array;
  /** Ground truth before noise, quantisation and faults, same layout as `values`. */
  truth: Float64Array;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.vehicle = new Int32Array(capacity);
    this.seq = new Float64Array(capacity);
    this.timeMs = new Float64Array(capacity);
    this.trueTimeMs = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.values = new Float64Array(capacity * SIGNAL_COUNT);
    this.truth = new Float64Array(capacity * SIGNAL_COUNT);
  }

  clear(): void {
    this.count = 0;
  }

  /** Reserves one sample slot and returns its index. */
  push(): number {
    if (this.count === this.capacity) this.#grow();
    return this.count++;
  }

  #grow(): void {
    const capacity = this.capacity * 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, size: number): T => {
      const next = new (old.constructor as new (n: number) => T)(size);
      next.set(old);
      return next;
    };
    this.vehicle = grow(this.vehicle, capacity);
    this.seq = grow(this.seq, capacity);
    this.timeMs = grow(this.timeMs, capacity);
    this.trueTimeMs = grow(this.trueTimeMs, capacity);
    this.flags = grow(this.flags, capacity);
    this.values = grow(this.values, capacity * SIGNAL_COUNT);
    this.truth = grow(this.truth, capacity * SIGNAL_COUNT);
    this.capacity = capacity;
  }
}
