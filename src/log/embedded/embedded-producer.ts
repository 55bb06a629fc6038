// The embedded log's producer: each write is one SQLite transaction appending one batch
// per partition, with offsets assigned inside it, so a write is all-or-nothing and a
// crash never leaves a torn or half-written batch.
import { BatchingProducer, type OutgoingMessage, type PendingSend } from '../batching-producer.js';
import { checkPartition, type ResolvedProducerOptions } from '../options.js';
import {
  openDatabase,
  toLogError,
  writeTransaction,
  type DatabaseSettings,
  type SqliteDatabase,
} from './database.js';
import { LogStore } from './log-store.js';
import type { TopicRow } from './schema.js';

interface PartitionRun {
  readonly topic: string;
  readonly partition: number;
  readonly messages: OutgoingMessage[];
  /** For each message: which send, which position in it. */
  readonly origin: [send: number, index: number][];
}

export class EmbeddedProducer extends BatchingProducer {
  readonly #db: SqliteDatabase;
  readonly #store: LogStore;
  readonly #topics = new Map<string, TopicRow>();
  readonly #retentionIntervalMs: number;
  readonly #onClose: () => void;
  #lastRetentionMs = Date.now();

  constructor(
    settings: DatabaseSettings,
    options: ResolvedProducerOptions,
    retentionIntervalMs: number,
    onClose: () => void,
  ) {
    super(options);
    this.#db = openDatabase(settings);
    this.#store = new LogStore(this.#db);
    this.#retentionIntervalMs = retentionIntervalMs;
    this.#onClose = onClose;
  }

  protected partitionCount(topic: string): number {
    let row = this.#topics.get(topic);
    if (!row) {
      try {
        row = this.#store.requireTopic(topic);
      } catch (error) {
        throw toLogError(error, `cannot send to "${topic}"`);
      }
      this.#topics.set(topic, row);
    }
    return row.partitions;
  }

  protected writeBatch(sends: readonly PendingSend[]): number[][] {
    const runs = new Map<string, PartitionRun>();
    const offsets = sends.map((send) => new Array<number>(send.messages.length));
    sends.forEach((send, s) => {
      send.messages.forEach((message, i) => {
        const id = `${send.topic}\u0000${message.partition}`;
        let run = runs.get(id);
        if (!run) {
          run = { topic: send.topic, partition: message.partition, messages: [], origin: [] };
          runs.set(id, run);
        }
        run.messages.push(message);
        run.origin.push([s, i]);
      });
    });
    try {
      const now = Date.now();
      writeTransaction(this.#db, () => {
        for (const run of runs.values()) {
          // Looked up again inside the transaction: the topic may have been deleted (or
          // deleted and made again) by another process since it was cached.
          const topic = this.#store.requireTopic(run.topic);
          this.#topics.set(run.topic, topic);
          checkPartition(run.topic, run.partition, topic.partitions);
          const base = this.#store.append(topic, run.partition, run.messages, now);
          run.origin.forEach(([s, i], k) => (offsets[s]![i] = base + k));
        }
      });
    } catch (error) {
      // A deleted (and maybe re-created) topic: forget what was cached about it.
      for (const send of sends) this.#topics.delete(send.topic);
      throw toLogError(
        error,
        `cannot append to ${[...new Set(sends.map((s) => `"${s.topic}"`))].join(', ')}`,
      );
    }
    this.#maybeApplyRetention(runs.values());
    return offsets;
  }

  protected release(): void {
    this.#db.close();
    this.#onClose();
  }

  /** Every `retentionIntervalMs`, applies retention to the partitions just written. */
  #maybeApplyRetention(runs: Iterable<PartitionRun>): void {
    const now = Date.now();
    if (now - this.#lastRetentionMs < this.#retentionIntervalMs) return;
    this.#lastRetentionMs = now;
    try {
      writeTransaction(this.#db, () => {
        for (const run of runs) {
          const topic = this.#store.topic(run.topic);
          if (topic) this.#store.applyRetention(topic, run.partition, now);
        }
      });
    } catch {
      // Retention is housekeeping: a busy log now means it runs at the next interval.
    }
  }
}
