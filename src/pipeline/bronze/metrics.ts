// Bronze ingest metrics in a prom-client registry of their own (not the global one), so
// several ingestors in one process (tests, benchmarks) never share counters.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VALUE_CLASSES, type ValueClass } from './classify.js';

/** What one committed micro-batch reports. */
export interface BatchReport {
  readonly records: number;
  readonly bytes: number;
  /** Rows left out because the table already held their offsets (replays after a crash). */
  readonly skippedRecords: number;
  readonly classes: Readonly<Record<ValueClass, number>>;
  /** Buffering started → commit done, seconds. */
  readonly latencyS: number;
  /** Writing files and committing, seconds. */
  readonly writeS: number;
  /** Delta commit version; undefined when nothing was left to write. */
  readonly version: number | undefined;
  /** Lost races for a commit version (rebased and retried by the lake). */
  readonly versionConflicts: number;
  /** Commits refused because another writer had recorded one of the partitions' offsets. */
  readonly txnConflicts: number;
}

export class BronzeMetrics {
  readonly registry = new Registry();
  readonly records = new Counter({
    name: 'pitwall_bronze_records_total',
    help: 'Log messages committed to the bronze table',
    registers: [this.registry],
  });
  readonly bytes = new Counter({
    name: 'pitwall_bronze_value_bytes_total',
    help: 'Value bytes committed to the bronze table',
    registers: [this.registry],
  });
  readonly byClass = new Counter({
    name: 'pitwall_bronze_values_total',
    help: 'Committed messages by value shape: schema_v1, other_json, not_json, empty',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });
  readonly skipped = new Counter({
    name: 'pitwall_bronze_skipped_records_total',
    help: 'Messages not written because the table already held their offsets (replays)',
    registers: [this.registry],
  });
  readonly commits = new Counter({
    name: 'pitwall_bronze_commits_total',
    help: 'Delta commits of micro-batches',
    registers: [this.registry],
  });
  readonly versionConflicts = new Counter({
    name: 'pitwall_bronze_commit_conflicts_total',
    help: 'Commit versions lost to concurrent writers (rebased and retried)',
    registers: [this.registry],
  });
  readonly txnConflicts = new Counter({
    name: 'pitwall_bronze_txn_conflicts_total',
    help: 'Commits redone because another writer recorded offsets of the same partition',
    registers: [this.registry],
  });
  readonly offsetCommitFailures = new Counter({
    name: 'pitwall_bronze_offset_commit_failures_total',
    help: 'Group offset commits the log refused after a Delta commit (advisory offsets)',
    registers: [this.registry],
  });
  readonly batchRecords = new Histogram({
    name: 'pitwall_bronze_batch_records',
    help: 'Messages per committed micro-batch',
    buckets: [1, 10, 100, 1_000, 10_000, 50_000, 100_000, 500_000],
    registers: [this.registry],
  });
  readonly batchBytes = new Histogram({
    name: 'pitwall_bronze_batch_bytes',
    help: 'Value bytes per committed micro-batch',
    buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 5e7, 1e8, 5e8],
    registers: [this.registry],
  });
  readonly batchLatency = new Histogram({
    name: 'pitwall_bronze_batch_latency_seconds',
    help: 'First message of a micro-batch buffered → its Delta commit done',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly writeDuration = new Histogram({
    name: 'pitwall_bronze_write_seconds',
    help: 'Writing the Parquet files and the Delta commit of a micro-batch',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'pitwall_bronze_lag_records',
    help: 'Messages in the log not yet in bronze, per owned partition (high watermark - position written)',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly totalLag = new Gauge({
    name: 'pitwall_bronze_lag_records_sum',
    help: 'Sum of pitwall_bronze_lag_records over the owned partitions',
    registers: [this.registry],
  });
  readonly rate = new Gauge({
    name: 'pitwall_bronze_records_per_second',
    help: 'Messages committed per second over the last report interval',
    registers: [this.registry],
  });
  readonly assigned = new Gauge({
    name: 'pitwall_bronze_assigned_partitions',
    help: 'Log partitions this ingest process owns',
    registers: [this.registry],
  });

  constructor() {
    for (const kind of VALUE_CLASSES) this.byClass.inc({ class: kind }, 0);
  }

  recordBatch(report: BatchReport): void {
    if (report.version !== undefined) this.commits.inc();
    this.records.inc(report.records);
    this.bytes.inc(report.bytes);
    this.skipped.inc(report.skippedRecords);
    for (const kind of VALUE_CLASSES) {
      const n = report.classes[kind];
      if (n > 0) this.byClass.inc({ class: kind }, n);
    }
    this.versionConflicts.inc(report.versionConflicts);
    this.txnConflicts.inc(report.txnConflicts);
    if (report.records > 0) {
      this.batchRecords.observe(report.records);
      this.batchBytes.observe(report.bytes);
      this.batchLatency.observe(report.latencyS);
      this.writeDuration.observe(report.writeS);
    }
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
