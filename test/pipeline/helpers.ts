// Shared pieces of the pipeline tests: a temporary embedded log and lake, deterministic
// messages (with hostile ones), and reading the bronze table back through DuckDB.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { DuckDbEngine, scanSql, type DeltaTable } from '../../src/lake/index.js';
import { EmbeddedLog, type ProducerMessage } from '../../src/log/index.js';

export interface Workspace {
  readonly dir: string;
  readonly logDir: string;
  readonly lake: string;
  readonly log: EmbeddedLog;
}

/** A fresh log and lake folder, closed and removed when the test ends. */
export async function workspace(
  t: TestContext,
  partitions = 3,
  topic = 'telemetry',
): Promise<Workspace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-bronze-'));
  const logDir = path.join(dir, 'log');
  const log = new EmbeddedLog({ dir: logDir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const admin = log.createAdmin();
  await admin.createTopic(topic, { partitions });
  await admin.close();
  return { dir, logDir, lake: path.join(dir, 'lake'), log };
}

/** Message `i`: a telemetry-like JSON event, sent to partition `i % partitions`. */
export function jsonMessage(i: number, partitions: number): ProducerMessage {
  return {
    key: `VH-${String(i % 17).padStart(4, '0')}`,
    value: `{"schema_version":1,"event_type":"telemetry","seq":${i},"signals":{"speed_kmh":${i % 200}}}`,
    partition: i % partitions,
  };
}

export async function produce(
  log: EmbeddedLog,
  messages: readonly ProducerMessage[],
  topic = 'telemetry',
): Promise<void> {
  const producer = log.createProducer();
  try {
    for (let at = 0; at < messages.length; at += 5000) {
      await producer.send(topic, messages.slice(at, at + 5000));
    }
  } finally {
    await producer.close();
  }
}

export async function produceJson(
  log: EmbeddedLog,
  from: number,
  count: number,
  partitions: number,
): Promise<void> {
  await produce(
    log,
    Array.from({ length: count }, (_, k) => jsonMessage(from + k, partitions)),
  );
}

/** Runs SQL over the bronze table (as `bronze`) and returns the rows. */
export async function queryBronze(table: DeltaTable, sql: string): Promise<unknown[][]> {
  const snapshot = await table.snapshot();
  const engine = new DuckDbEngine({ threads: 1 });
  try {
    return await engine.withConnection(async (connection) => {
      const reader = await connection.runAndReadAll(`WITH bronze AS (${scanSql(snapshot)}) ${sql}`);
      return reader.getRows();
    });
  } finally {
    engine.close();
  }
}

/** count(*), distinct (topic, partition, offset) and the row count the table's log reports. */
export async function bronzeCounts(table: DeltaTable): Promise<{ rows: number; distinct: number }> {
  const snapshot = await table.snapshot();
  if (snapshot.files.length === 0) return { rows: 0, distinct: 0 };
  const [row] = await queryBronze(
    table,
    'SELECT count(*)::DOUBLE, count(DISTINCT (topic, "partition", "offset"))::DOUBLE FROM bronze',
  );
  return { rows: Number(row![0]), distinct: Number(row![1]) };
}
