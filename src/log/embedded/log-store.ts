// Topics, partitions and their batches in one SQLite connection: append (offsets assigned
// inside the caller's write transaction), read from an offset, retention, topic admin.
// Callers own the transactions; nothing here begins or commits one.
import type { Statement } from 'better-sqlite3';
import { ERROR_CODES, LogError } from '../../errors.js';
import type { OutgoingMessage } from '../batching-producer.js';
import type { ResolvedTopicOptions } from '../options.js';
import type { PartitionDescription, TopicDescription } from '../types.js';
import type { SqliteDatabase } from './database.js';
import { encodeBatch, encodedSize } from './record-batch.js';
import { createPartitionTableSql, partitionTable, type TopicRow } from './schema.js';

/** Upper bound of one stored batch; a single larger message is stored alone. */
export const MAX_BATCH_ROW_BYTES = 1024 * 1024;

export interface PartitionState {
  readonly logStartOffset: number;
  readonly nextOffset: number;
  readonly bytes: number;
}

/** A stored batch as read: first offset, record count, encoded records. */
export type BatchRow = [baseOffset: number, recordCount: number, records: Buffer];

interface TableStatements {
  readonly insert: Statement<[number, number, number, number, Buffer]>;
  readonly readFrom: Statement<{ offset: number }>;
  readonly oldest: Statement<[]>;
  readonly deleteBelow: Statement<[number]>;
}

export class LogStore {
  readonly db: SqliteDatabase;
  readonly #tables = new Map<string, TableStatements>();
  readonly #topicByName: Statement<[string]>;
  readonly #topicNames: Statement<[]>;
  readonly #partition: Statement<[number, number]>;
  readonly #partitions: Statement<[number]>;
  readonly #updatePartition: Statement<[number, number, number, number, number]>;

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.#topicByName = db.prepare(
      'SELECT id, name, partitions, replication_factor, retention_ms, retention_bytes FROM topics WHERE name = ?',
    );
    this.#topicNames = db.prepare('SELECT name FROM topics ORDER BY name').pluck();
    this.#partition = db
      .prepare(
        'SELECT log_start_offset, next_offset, bytes FROM partitions WHERE topic_id = ? AND partition = ?',
      )
      .raw();
    this.#partitions = db
      .prepare(
        'SELECT partition, log_start_offset, next_offset FROM partitions WHERE topic_id = ? ORDER BY partition',
      )
      .raw();
    this.#updatePartition = db.prepare(
      'UPDATE partitions SET log_start_offset = ?, next_offset = ?, bytes = ? WHERE topic_id = ? AND partition = ?',
    );
  }

  topic(name: string): TopicRow | undefined {
    return this.#topicByName.get(name) as TopicRow | undefined;
  }

  requireTopic(name: string): TopicRow {
    const row = this.topic(name);
    if (!row) throw new LogError(ERROR_CODES.logUnknownTopic, `topic "${name}" does not exist`);
    return row;
  }

  topicNames(): string[] {
    return this.#topicNames.all() as string[];
  }

  partitionState(topicId: number, partition: number): PartitionState | undefined {
    const row = this.#partition.get(topicId, partition) as [number, number, number] | undefined;
    return row && { logStartOffset: row[0], nextOffset: row[1], bytes: row[2] };
  }

  /**
   * Appends `messages` (all of one partition) at the partition's end and returns the
   * offset of the first. Call inside a write transaction: the offsets are read and
   * advanced in it, so concurrent producers in other processes never share an offset.
   */
  append(
    topic: TopicRow,
    partition: number,
    messages: readonly OutgoingMessage[],
    now: number,
  ): number {
    const state = this.partitionState(topic.id, partition);
    if (!state)
      throw new LogError(ERROR_CODES.logUnknownTopic, `topic "${topic.name}" was deleted`);
    const statements = this.#statements(topic.id, partition);
    const base = state.nextOffset;
    let next = base;
    let bytes = state.bytes;
    let from = 0;
    while (from < messages.length) {
      let to = from;
      let size = 0;
      let maxTimestamp = -Infinity;
      do {
        const m = messages[to]!;
        size += encodedSize(m);
        if (m.timestamp > maxTimestamp) maxTimestamp = m.timestamp;
        to++;
      } while (to < messages.length && size + encodedSize(messages[to]!) <= MAX_BATCH_ROW_BYTES);
      const records = encodeBatch(messages, from, to, size);
      statements.insert.run(next, to - from, now, maxTimestamp, records);
      next += to - from;
      bytes += records.length;
      from = to;
    }
    this.#updatePartition.run(state.logStartOffset, next, bytes, topic.id, partition);
    return base;
  }

  /**
   * Stored batches holding offsets ≥ `offset`, oldest first, read lazily (stop iterating
   * to stop reading). Call inside a read transaction, after `partitionState` confirmed the
   * partition exists in that snapshot.
   */
  batchesFrom(topicId: number, partition: number, offset: number): IterableIterator<BatchRow> {
    return this.#statements(topicId, partition).readFrom.iterate({
      offset,
    }) as IterableIterator<BatchRow>;
  }

  /** Creates a topic with its partitions; `false` when it exists and `ifNotExists` is set. */
  createTopic(name: string, options: ResolvedTopicOptions, now: number): boolean {
    if (this.topic(name)) {
      if (options.ifNotExists) return false;
      throw new LogError(ERROR_CODES.logTopicExists, `topic "${name}" already exists`);
    }
    const { lastInsertRowid } = this.db
      .prepare(
        'INSERT INTO topics (name, partitions, replication_factor, retention_ms, retention_bytes, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        name,
        options.partitions,
        options.replicationFactor,
        options.retentionMs,
        options.retentionBytes,
        now,
      );
    const topicId = Number(lastInsertRowid);
    const insertPartition = this.db.prepare(
      'INSERT INTO partitions (topic_id, partition, log_start_offset, next_offset, bytes) VALUES (?, ?, 0, 0, 0)',
    );
    for (let p = 0; p < options.partitions; p++) {
      insertPartition.run(topicId, p);
      this.db.exec(createPartitionTableSql(partitionTable(topicId, p)));
    }
    return true;
  }

  /** Deletes a topic, its batches and every group's committed offsets for it. */
  deleteTopic(name: string): void {
    const topic = this.requireTopic(name);
    for (let p = 0; p < topic.partitions; p++) {
      const table = partitionTable(topic.id, p);
      this.#tables.delete(table);
      this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
    this.db.prepare('DELETE FROM partitions WHERE topic_id = ?').run(topic.id);
    this.db.prepare('DELETE FROM topics WHERE id = ?').run(topic.id);
    this.db.prepare('DELETE FROM group_offsets WHERE topic = ?').run(name);
  }

  describeTopic(name: string): TopicDescription {
    const topic = this.requireTopic(name);
    const partitions = (this.#partitions.all(topic.id) as [number, number, number][]).map(
      ([partition, logStartOffset, highWatermark]): PartitionDescription => ({
        partition,
        logStartOffset,
        highWatermark,
      }),
    );
    return {
      name: topic.name,
      partitions,
      replicationFactor: topic.replication_factor,
      retentionMs: topic.retention_ms,
      retentionBytes: topic.retention_bytes,
    };
  }

  /**
   * Moves a partition's log start to `offset` (Kafka's DeleteRecords): batches wholly below
   * it are deleted; a batch straddling it stays stored but its records below are hidden.
   */
  deleteRecords(topic: TopicRow, partition: number, offset: number): void {
    const state = this.partitionState(topic.id, partition);
    if (!state)
      throw new LogError(ERROR_CODES.logUnknownTopic, `topic "${topic.name}" was deleted`);
    if (offset > state.nextOffset) {
      throw new LogError(
        ERROR_CODES.logOffsetOutOfRange,
        `cannot delete records of ${topic.name}-${partition} below ${offset}: its high watermark is ${state.nextOffset}`,
      );
    }
    if (offset <= state.logStartOffset) return;
    this.#truncate(topic.id, partition, state, (end) => end <= offset, offset);
  }

  /**
   * Applies a topic's retention to one partition: deletes its oldest batches while they were
   * appended more than `retention_ms` ago, or while the batches after them still hold at
   * least `retention_bytes` (Kafka's rule: the log never shrinks below retention.bytes).
   * Returns the number of messages deleted.
   */
  applyRetention(topic: TopicRow, partition: number, now: number): number {
    if (topic.retention_ms === null && topic.retention_bytes === null) return 0;
    const state = this.partitionState(topic.id, partition);
    if (!state) return 0;
    const cutoffMs = topic.retention_ms === null ? -Infinity : now - topic.retention_ms;
    const keepBytes = topic.retention_bytes;
    let bytes = state.bytes;
    const logStart = this.#truncate(topic.id, partition, state, (_end, appendMs, rowBytes) => {
      if (appendMs >= cutoffMs && (keepBytes === null || bytes - rowBytes < keepBytes))
        return false;
      bytes -= rowBytes;
      return true;
    });
    return logStart - state.logStartOffset;
  }

  /**
   * Deletes the oldest batches while `drop(endOffset, appendMs, bytes)` says so, then moves
   * the log start past them (and to at least `logStartAtLeast`); returns the new log start.
   */
  #truncate(
    topicId: number,
    partition: number,
    state: PartitionState,
    drop: (endOffset: number, appendMs: number, bytes: number) => boolean,
    logStartAtLeast = 0,
  ): number {
    const statements = this.#statements(topicId, partition);
    let cut = -1;
    let freed = 0;
    const rows = statements.oldest.iterate() as IterableIterator<[number, number, number, number]>;
    for (const [base, count, appendMs, rowBytes] of rows) {
      if (!drop(base + count, appendMs, rowBytes)) break;
      cut = base + count;
      freed += rowBytes;
    }
    // Batches are contiguous: the dropped ones are exactly those starting below `cut`.
    if (cut >= 0) statements.deleteBelow.run(cut);
    const logStart = Math.min(
      state.nextOffset,
      Math.max(state.logStartOffset, cut, logStartAtLeast),
    );
    this.#updatePartition.run(logStart, state.nextOffset, state.bytes - freed, topicId, partition);
    return logStart;
  }

  #statements(topicId: number, partition: number): TableStatements {
    const table = partitionTable(topicId, partition);
    let statements = this.#tables.get(table);
    if (!statements) {
      statements = {
        insert: this.db.prepare(
          `INSERT INTO ${table} (base_offset, record_count, append_ms, max_timestamp, records) VALUES (?, ?, ?, ?, ?)`,
        ),
        // The batch holding `offset` starts at or below it: the last base ≤ offset.
        readFrom: this.db
          .prepare(
            `SELECT base_offset, record_count, records FROM ${table}
             WHERE base_offset >= coalesce((SELECT base_offset FROM ${table} WHERE base_offset <= :offset ORDER BY base_offset DESC LIMIT 1), :offset)
             ORDER BY base_offset`,
          )
          .raw(),
        oldest: this.db
          .prepare(
            `SELECT base_offset, record_count, append_ms, length(records) FROM ${table} ORDER BY base_offset`,
          )
          .raw(),
        deleteBelow: this.db.prepare(`DELETE FROM ${table} WHERE base_offset < ?`),
      };
      this.#tables.set(table, statements);
    }
    return statements;
  }
}
