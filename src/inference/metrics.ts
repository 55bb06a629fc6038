// Fleet scoring metrics in a prom-client registry of their own (several scorers in one
// process, as in tests and benchmarks, never share counters): throughput, skipped messages
// by reason, samples dropped as late or duplicate, lag behind the log, and the model in use.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MESSAGE_PROBLEMS, type MessageProblem } from './telemetry-decoder.js';

export const SAMPLE_DROPS = ['late', 'duplicate', 'invalid_time'] as const;
export type SampleDrop = (typeof SAMPLE_DROPS)[number];

export class ScoreMetrics {
  readonly registry = new Registry();
  readonly messages = new Counter({
    name: 'pitwall_score_messages_total',
    help: 'Log messages consumed by the scorer',
    registers: [this.registry],
  });
  readonly samples = new Counter({
    name: 'pitwall_score_samples_total',
    help: 'Telemetry samples added to a vehicle window',
    registers: [this.registry],
  });
  readonly invalid = new Counter({
    name: 'pitwall_score_invalid_messages_total',
    help: "Messages skipped, by silver's reason code (unparseable, missing_field, out_of_range, ...)",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'pitwall_score_dropped_samples_total',
    help: 'Valid samples not used: late (their second was already scored), duplicate (seq seen), invalid_time',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly predictions = new Counter({
    name: 'pitwall_score_predictions_total',
    help: 'Predictions written to the predictions topic',
    registers: [this.registry],
  });
  readonly windows = new Counter({
    name: 'pitwall_score_windows_total',
    help: 'Feature windows computed (one per vehicle session and second with data, warm or not)',
    registers: [this.registry],
  });
  readonly sessions = new Gauge({
    name: 'pitwall_score_active_sessions',
    help: 'Vehicle sessions with a window in memory',
    registers: [this.registry],
  });
  readonly sampleRate = new Gauge({
    name: 'pitwall_score_samples_per_second',
    help: 'Samples scored per second over the last few seconds',
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'pitwall_score_lag_records',
    help: 'Messages in the log not yet consumed, per owned partition (high watermark - position)',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly totalLag = new Gauge({
    name: 'pitwall_score_lag_records_sum',
    help: 'Sum of pitwall_score_lag_records over the owned partitions',
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'pitwall_score_prediction_latency_seconds',
    help: 'Log timestamp of the message that closed a window -> its prediction handed to the producer',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300],
    registers: [this.registry],
  });
  readonly assigned = new Gauge({
    name: 'pitwall_score_assigned_partitions',
    help: 'Log partitions this scorer owns',
    registers: [this.registry],
  });
  readonly model = new Gauge({
    name: 'pitwall_score_model_info',
    help: 'The model in service (value 1, its version as a label)',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });
  readonly modelSwaps = new Counter({
    name: 'pitwall_score_model_swaps_total',
    help: 'Models installed without a restart (hot swaps after the first)',
    registers: [this.registry],
  });
  readonly modelErrors = new Counter({
    name: 'pitwall_score_model_errors_total',
    help: 'Registry polls or model loads that failed (the model in service was kept)',
    registers: [this.registry],
  });

  constructor() {
    for (const reason of MESSAGE_PROBLEMS) this.invalid.inc({ reason }, 0);
    for (const reason of SAMPLE_DROPS) this.dropped.inc({ reason }, 0);
  }

  recordInvalid(reason: MessageProblem): void {
    this.invalid.inc({ reason });
  }

  /** Replaces the model-info gauge. */
  setModel(version: string): void {
    this.model.reset();
    this.model.set({ version }, 1);
  }

  /** Replaces the per-partition lag gauges. */
  setLag(lags: readonly { topic: string; partition: number; lag: number }[]): void {
    this.lag.reset();
    let sum = 0;
    for (const { topic, partition, lag } of lags) {
      this.lag.set({ topic, partition: String(partition) }, lag);
      sum += lag;
    }
    this.totalLag.set(sum);
  }

  /** The Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
