// BronzeIngestor: consumes log topics as a group member in micro-batches and appends them,
// raw, to the bronze Delta table exactly once. Each commit carries one Delta `txn` action
// per log partition (appId `pitwall-bronze:<topic>:<partition>`, version = the last offset
// written), so the table itself records how far every partition is written; the group's
// offsets in the log are committed afterwards and are advisory (lag, tooling).
import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrentTransactionError, PitwallError } from '../../errors.js';
import type { DeltaTable, Snapshot, TxnId } from '../../lake/index.js';
import type {
  LogAdmin,
  LogConsumer,
  LogTransport,
  TopicPartition,
  TopicPartitionOffset,
} from '../../log/index.js';
import type { ValueClass } from './classify.js';
import { BronzeMetrics, type BatchReport } from './metrics.js';
import {
  MicroBatch,
  emptyClassCounts,
  partitionKey,
  type ClassCounts,
  type PartitionRange,
} from './micro-batch.js';
import type { ColumnValues } from '../../lake/index.js';
import { bronzeAppId } from './schema.js';

export interface BronzeIngestorOptions {
  readonly transport: LogTransport;
  /** The bronze table (see `openBronzeTable`); the caller closes it. */
  readonly table: DeltaTable;
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Size trigger: a micro-batch is committed at this many messages. */
  readonly maxBatchRecords: number;
  /** Time trigger: a micro-batch is committed this long after its first message, ms. */
  readonly maxBatchMs: number;
  /** Process what the topics hold when the run starts, commit, and return. */
  readonly availableNow?: boolean;
  readonly metrics?: BronzeMetrics;
  readonly clientId?: string;
  /** The group's session timeout: how long a crashed member keeps its partitions, ms. */
  readonly sessionTimeoutMs?: number;
  /** Called after each micro-batch is committed to the table (log lines, benchmarks). */
  readonly onBatch?: (report: CommittedBatch) => void;
  /** Test hook: runs after the Delta commit, before the group offsets are committed. */
  readonly afterDeltaCommit?: () => void | Promise<void>;
}

export interface CommittedBatch extends BatchReport {
  /** Epoch ms the commit finished. */
  readonly committedMs: number;
  /** Log timestamps (epoch ms) of the batch's messages, including skipped ones. */
  readonly timestampsMs: Float64Array;
}

export interface IngestSummary {
  readonly records: number;
  readonly bytes: number;
  readonly batches: number;
  readonly skippedRecords: number;
  readonly reason: 'available-now' | 'stopped';
}

/** Longest poll wait, so a stop request is seen within about this long, ms. */
const POLL_SLICE_MS = 200;
/** Lag and rate are refreshed this often, ms. */
const TICK_MS = 1000;
/** Commits redone after another writer recorded one of the batch's partitions. */
const MAX_TXN_RETRIES = 20;
/** Retries of a lake failure marked `canRetry` (a busy disk, a lost race streak). */
const MAX_TRANSIENT_RETRIES = 5;
/** Messages per poll: bounds the event-loop turn one poll takes. */
const MAX_POLL_MESSAGES = 20_000;

function countClasses(values: ColumnValues | undefined): ClassCounts {
  const counts = emptyClassCounts();
  if (Array.isArray(values)) for (const kind of values as ValueClass[]) counts[kind]++;
  return counts;
}

/** The Delta operation Spark records for streaming appends. */
const OPERATION = 'STREAMING UPDATE';

/**
 * Streams log topics into the bronze table.
 *
 * @example
 * const table = await openBronzeTable('.pitwall/lake');
 * const ingestor = new BronzeIngestor({
 *   transport, table, topics: ['telemetry'], groupId: 'pitwall-bronze',
 *   maxBatchRecords: 100_000, maxBatchMs: 1000, availableNow: true,
 * });
 * const summary = await ingestor.run();
 */
export class BronzeIngestor {
  readonly metrics: BronzeMetrics;
  readonly #options: BronzeIngestorOptions;
  readonly #table: DeltaTable;
  #consumer: LogConsumer | undefined;
  #admin: LogAdmin | undefined;
  #current: MicroBatch;
  #spare: MicroBatch;
  #inflight: Promise<void> | undefined;
  /** Per owned partition: the next offset bronze needs (last written + 1). */
  readonly #written = new Map<string, TopicPartitionOffset>();
  /** available-now: the high watermark of every partition when the run started. */
  #targets: TopicPartitionOffset[] | undefined;
  #failed = false;
  #records = 0;
  #bytes = 0;
  #batches = 0;
  #skipped = 0;
  #lastTickMs = 0;
  #rateWindow: { ms: number; records: number }[] = [];

  constructor(options: BronzeIngestorOptions) {
    this.#options = options;
    this.#table = options.table;
    this.metrics = options.metrics ?? new BronzeMetrics();
    this.#current = new MicroBatch(options.maxBatchRecords);
    this.#spare = new MicroBatch(options.maxBatchRecords);
  }

  /** Runs until `signal` aborts or, with `availableNow`, until the start's data is in. */
  async run(signal?: AbortSignal): Promise<IngestSummary> {
    const options = this.#options;
    const consumer = options.transport.createConsumer({
      groupId: options.groupId,
      clientId: options.clientId ?? 'pitwall-ingest',
      maxPollMessages: Math.min(options.maxBatchRecords, MAX_POLL_MESSAGES),
      ...(options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeoutMs: options.sessionTimeoutMs }),
      rebalanceListener: {
        onPartitionsAssigned: (partitions) => this.#onAssigned(partitions),
        onPartitionsRevoked: (partitions) => this.#onRevoked(partitions),
      },
    });
    this.#consumer = consumer;
    this.#admin = options.transport.createAdmin();
    let reason: IngestSummary['reason'] = 'stopped';
    try {
      await consumer.subscribe(options.topics);
      if (options.availableNow === true) this.#targets = await this.#highWatermarks();
      while (signal?.aborted !== true) {
        const batch = this.#current;
        const now = Date.now();
        const dueIn =
          batch.startedMs === undefined
            ? POLL_SLICE_MS
            : Math.max(0, batch.startedMs + options.maxBatchMs - now);
        const messages = await consumer.poll({
          timeoutMs: Math.min(dueIn, POLL_SLICE_MS),
          maxMessages: Math.min(batch.room, MAX_POLL_MESSAGES),
        });
        if (messages.length > 0) this.#current.add(messages, Date.now());
        const current = this.#current;
        const due =
          current.full ||
          (current.startedMs !== undefined && Date.now() - current.startedMs >= options.maxBatchMs);
        if (due) await this.#flushCurrent();
        if (Date.now() - this.#lastTickMs >= TICK_MS) await this.#tick();
        if (this.#targets !== undefined && messages.length === 0) {
          // Nothing more came: commit what is buffered, then see whether the start's data is all in.
          await this.#flushCurrent();
          await this.#drain();
          if (await this.#reachedTargets()) {
            reason = 'available-now';
            break;
          }
        }
      }
      await this.#flushCurrent();
      await this.#drain();
    } catch (error) {
      // Buffered messages are dropped, not committed on the way out: the next run reads
      // them again from where the table stops.
      this.#failed = true;
      throw error;
    } finally {
      try {
        // Leaving the group revokes what is owned; the listener finds nothing left to commit.
        await consumer.close();
      } finally {
        await this.#admin.close().catch(() => undefined);
        this.#consumer = undefined;
      }
    }
    await this.#tick();
    return {
      records: this.#records,
      bytes: this.#bytes,
      batches: this.#batches,
      skippedRecords: this.#skipped,
      reason,
    };
  }

  /** Seeks each new partition to where bronze stops: max(txn version + 1, group offset). */
  async #onAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    const consumer = this.#consumer!;
    const snapshot = await this.#table.snapshot();
    const committed = new Map(
      (await consumer.committed(partitions)).map((c) => [partitionKey(c.topic, c.partition), c]),
    );
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      const txn = snapshot.txnVersion(bronzeAppId(topic, partition));
      const group = committed.get(key)?.offset;
      const from = Math.max(txn === undefined ? -1 : txn + 1, group ?? -1);
      // Without either, the consumer's reset policy (earliest) decides.
      if (from >= 0) consumer.seek(topic, partition, from);
      this.#written.set(key, { topic, partition, offset: Math.max(from, 0) });
    }
    this.metrics.assigned.set(consumer.assignment().length);
  }

  /** Commits what is buffered before the partitions go (the commit-or-drop rule). */
  async #onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    if (!this.#failed) {
      await this.#flushCurrent();
      await this.#drain();
    }
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      this.#written.delete(key);
      this.metrics.lag.remove({ topic, partition: String(partition) });
    }
  }

  /** Starts committing the current micro-batch (after the previous one finished). */
  async #flushCurrent(): Promise<void> {
    await this.#drain();
    const batch = this.#current;
    if (batch.count === 0) return;
    this.#current = this.#spare;
    this.#spare = batch;
    const work = this.#commitBatch(batch).finally(() => batch.clear());
    // Observed by #drain; this keeps an early failure from being reported as unhandled.
    work.catch(() => undefined);
    this.#inflight = work;
  }

  /** Waits for the micro-batch being committed; rethrows its failure. */
  async #drain(): Promise<void> {
    const inflight = this.#inflight;
    if (inflight === undefined) return;
    try {
      await inflight;
    } finally {
      if (this.#inflight === inflight) this.#inflight = undefined;
    }
  }

  async #commitBatch(batch: MicroBatch): Promise<void> {
    const writeStart = Date.now();
    let txnConflicts = 0;
    let versionConflicts = 0;
    let transient = 0;
    let version: number | undefined;
    let records: number;
    let classes = { ...batch.classes };
    let written: PartitionRange[];
    for (;;) {
      const snapshot = await this.#table.snapshot();
      const floor = (range: PartitionRange): number =>
        snapshot.txnVersion(bronzeAppId(range.topic, range.partition)) ?? -1;
      written = [...batch.partitions.values()].filter((range) => range.lastOffset > floor(range));
      if (written.length === 0) {
        records = 0;
        classes = emptyClassCounts();
        break;
      }
      const txns: TxnId[] = written.map((range) => ({
        appId: bronzeAppId(range.topic, range.partition),
        version: range.lastOffset,
      }));
      const columns = batch.toColumns(Date.now(), floor);
      try {
        const result = await this.#table.appendRows(columns, { txns, operation: OPERATION });
        if (result.status === 'committed') {
          version = result.version;
          versionConflicts += result.attempts - 1;
          records = columns.numRows;
          if (records !== batch.count) classes = countClasses(columns.columns.value_class);
          break;
        }
        // 'skipped': everything was written meanwhile; the next round finds nothing to do.
      } catch (error) {
        if (error instanceof ConcurrentTransactionError && txnConflicts < MAX_TXN_RETRIES) {
          // Another writer (a member this partition moved from or to) recorded offsets of
          // one of our partitions: re-read, drop what it wrote, commit the rest.
          txnConflicts++;
          continue;
        }
        if (error instanceof PitwallError && error.canRetry && transient < MAX_TRANSIENT_RETRIES) {
          transient++;
          await sleep(100 * 2 ** transient);
          continue;
        }
        throw error;
      }
    }
    await this.#options.afterDeltaCommit?.();
    const committedMs = Date.now();
    let bytes = 0;
    if (records === batch.count) {
      bytes = batch.bytes;
    } else if (records > 0) {
      // Rare (after a hand-over): approximate the bytes by the share of rows written.
      bytes = Math.round((batch.bytes * records) / batch.count);
    }
    for (const range of written) {
      const key = partitionKey(range.topic, range.partition);
      if (this.#written.has(key)) {
        this.#written.set(key, {
          topic: range.topic,
          partition: range.partition,
          offset: range.lastOffset + 1,
        });
      }
    }
    await this.#commitGroupOffsets(batch);
    const report: CommittedBatch = {
      records,
      bytes,
      skippedRecords: batch.count - records,
      classes,
      latencyS: (committedMs - (batch.startedMs ?? writeStart)) / 1000,
      writeS: (committedMs - writeStart) / 1000,
      version,
      versionConflicts,
      txnConflicts,
      committedMs,
      timestampsMs: batch.timestampsMs(),
    };
    this.#records += records;
    this.#bytes += bytes;
    this.#skipped += report.skippedRecords;
    if (version !== undefined) this.#batches++;
    this.metrics.recordBatch(report);
    this.#options.onBatch?.(report);
  }

  /** Group offsets after the table commit: advisory, so a refusal is counted, not fatal. */
  async #commitGroupOffsets(batch: MicroBatch): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    const owned = new Set(consumer.assignment().map((p) => partitionKey(p.topic, p.partition)));
    const offsets: TopicPartitionOffset[] = [];
    for (const [key, range] of batch.partitions) {
      if (owned.has(key)) {
        offsets.push({
          topic: range.topic,
          partition: range.partition,
          offset: range.lastOffset + 1,
        });
      }
    }
    if (offsets.length === 0) return;
    try {
      await consumer.commit(offsets);
    } catch {
      this.metrics.offsetCommitFailures.inc();
    }
  }

  async #highWatermarks(): Promise<TopicPartitionOffset[]> {
    const out: TopicPartitionOffset[] = [];
    for (const topic of this.#options.topics) {
      const description = await this.#admin!.describeTopic(topic);
      for (const p of description.partitions) {
        out.push({ topic, partition: p.partition, offset: p.highWatermark });
      }
    }
    return out;
  }

  /** available-now: every partition's start-time data is in bronze (by us or a peer). */
  async #reachedTargets(): Promise<boolean> {
    const targets = this.#targets ?? [];
    const consumer = this.#consumer!;
    const snapshot: Snapshot = await this.#table.snapshot();
    return targets.every(({ topic, partition, offset }) => {
      const txn = snapshot.txnVersion(bronzeAppId(topic, partition)) ?? -1;
      if (txn >= offset - 1) return true;
      // Ours, and read up to the target with nothing pending (empty or retained-away data).
      const position = consumer.position(topic, partition);
      return position !== undefined && position >= offset && this.#current.count === 0;
    });
  }

  /** Refreshes lag and the records/s rate. */
  async #tick(): Promise<void> {
    const now = Date.now();
    this.#lastTickMs = now;
    this.#rateWindow.push({ ms: now, records: this.#records });
    while (this.#rateWindow.length > 1 && now - this.#rateWindow[0]!.ms > 5 * TICK_MS) {
      this.#rateWindow.shift();
    }
    const first = this.#rateWindow[0]!;
    this.metrics.rate.set(
      now > first.ms ? ((this.#records - first.records) * 1000) / (now - first.ms) : 0,
    );
    const admin = this.#admin;
    if (admin === undefined || this.#written.size === 0) {
      this.metrics.setLag([]);
      return;
    }
    try {
      const lags: { topic: string; partition: number; lag: number }[] = [];
      const topics = new Set([...this.#written.values()].map((p) => p.topic));
      for (const topic of topics) {
        const description = await admin.describeTopic(topic);
        for (const p of description.partitions) {
          const written = this.#written.get(partitionKey(topic, p.partition));
          if (written === undefined) continue;
          lags.push({
            topic,
            partition: p.partition,
            lag: Math.max(0, p.highWatermark - Math.max(written.offset, p.logStartOffset)),
          });
        }
      }
      this.metrics.setLag(lags);
    } catch {
      // Lag is informative; a busy log skips one refresh.
    }
  }

  /** Messages committed so far, and how long since the process started ingesting. */
  get totals(): { records: number; bytes: number; batches: number; skippedRecords: number } {
    return {
      records: this.#records,
      bytes: this.#bytes,
      batches: this.#batches,
      skippedRecords: this.#skipped,
    };
  }
}
