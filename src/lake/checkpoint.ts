// Classic single-file V1 checkpoints (PROTOCOL.md, "Checkpoints" and appendix "Checkpoint
// Schema"): the reconciled table state as Parquet, one action per row, each action kind a
// struct column; plus the `_last_checkpoint` pointer.
import { randomUUID } from 'node:crypto';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LakeError } from '../errors.js';
import { LAST_CHECKPOINT_KEY, checkpointKey, toAction, type Action } from './actions.js';
import type { DuckDbEngine } from './duckdb-engine.js';
import { quoteIdentifier, quoteLiteral } from './schema.js';
import { ReplayState, type Snapshot } from './snapshot.js';
import type { LakeStorage } from './storage.js';
import { tombstoneRetentionMs } from './table-config.js';

const STRING_MAP = 'MAP(VARCHAR, VARCHAR)';

/**
 * The checkpoint's columns and their types, in the order Spark writes them. `stats` stays a
 * JSON string (`delta.checkpoint.writeStatsAsJson`, the default); `remove` keeps no stats or
 * tags, as the spec asks.
 */
const CHECKPOINT_STRUCTS = {
  txn: { appId: 'VARCHAR', version: 'BIGINT', lastUpdated: 'BIGINT' },
  add: {
    path: 'VARCHAR',
    partitionValues: STRING_MAP,
    size: 'BIGINT',
    modificationTime: 'BIGINT',
    dataChange: 'BOOLEAN',
    stats: 'VARCHAR',
    tags: STRING_MAP,
  },
  remove: {
    path: 'VARCHAR',
    deletionTimestamp: 'BIGINT',
    dataChange: 'BOOLEAN',
    extendedFileMetadata: 'BOOLEAN',
    partitionValues: STRING_MAP,
    size: 'BIGINT',
  },
  metaData: {
    id: 'VARCHAR',
    name: 'VARCHAR',
    description: 'VARCHAR',
    format: { provider: 'VARCHAR', options: STRING_MAP },
    schemaString: 'VARCHAR',
    partitionColumns: ['VARCHAR'],
    configuration: STRING_MAP,
    createdTime: 'BIGINT',
  },
  protocol: { minReaderVersion: 'INTEGER', minWriterVersion: 'INTEGER' },
} as const;

const CHECKPOINT_COLUMNS = Object.keys(CHECKPOINT_STRUCTS) as (keyof typeof CHECKPOINT_STRUCTS)[];

/** Contents of `_delta_log/_last_checkpoint` (PROTOCOL.md, "Last Checkpoint File Schema"). */
export interface LastCheckpoint {
  readonly version: number;
  /** Number of actions in the checkpoint. */
  readonly size: number;
  readonly sizeInBytes?: number;
  readonly numOfAddFiles?: number;
}

/** The actions a checkpoint of `snapshot` holds, unexpired tombstones included. */
export function checkpointActions(snapshot: Snapshot, now = Date.now()): Action[] {
  const horizon = now - tombstoneRetentionMs(snapshot.configuration);
  const actions: Action[] = [{ protocol: snapshot.protocol }, { metaData: snapshot.metadata }];
  for (const txn of snapshot.txns.values()) actions.push({ txn });
  // Checkpoints rearrange no data: Spark writes every file action with dataChange=false.
  for (const add of snapshot.files) actions.push({ add: { ...add, dataChange: false } });
  for (const remove of snapshot.tombstones) {
    if ((remove.deletionTimestamp ?? 0) <= horizon) continue;
    actions.push({
      remove: {
        path: remove.path,
        dataChange: false,
        ...(remove.deletionTimestamp === undefined
          ? {}
          : { deletionTimestamp: remove.deletionTimestamp }),
        ...(remove.extendedFileMetadata === true
          ? {
              extendedFileMetadata: true,
              partitionValues: remove.partitionValues ?? {},
              size: remove.size ?? 0,
            }
          : {}),
      },
    });
  }
  return actions;
}

async function withTempFile<T>(work: (file: string) => Promise<T>): Promise<T> {
  const file = path.join(tmpdir(), `pitwall-checkpoint-${randomUUID()}.parquet`);
  try {
    return await work(file);
  } finally {
    await unlink(file).catch(() => undefined);
  }
}

/**
 * Writes `_delta_log/<version>.checkpoint.parquet` for the snapshot, then `_last_checkpoint`.
 * Both are written whole (storage.write replaces atomically), so readers never see a torn
 * checkpoint; two writers racing on the same version write the same state.
 */
export async function writeCheckpoint(
  engine: DuckDbEngine,
  storage: LakeStorage,
  snapshot: Snapshot,
): Promise<LastCheckpoint> {
  const actions = checkpointActions(snapshot);
  const spec = JSON.stringify(CHECKPOINT_STRUCTS);
  const columns = CHECKPOINT_COLUMNS.map((c) => `j.${quoteIdentifier(c)} AS ${quoteIdentifier(c)}`);
  const bytes = await withTempFile(async (file) => {
    await engine.withConnection(async (connection) => {
      await connection.run('CREATE TEMP TABLE pitwall_actions (line VARCHAR)');
      const appender = await connection.createAppender('pitwall_actions');
      try {
        for (const action of actions) {
          appender.appendVarchar(JSON.stringify(action));
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      await connection.run(
        `COPY (SELECT ${columns.join(', ')} FROM ` +
          `(SELECT json_transform(line, ${quoteLiteral(spec)}) AS j FROM pitwall_actions)) ` +
          `TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    });
    return readFile(file);
  });
  await storage.write(checkpointKey(snapshot.version), bytes);
  const last: LastCheckpoint = {
    version: snapshot.version,
    size: actions.length,
    sizeInBytes: bytes.byteLength,
    numOfAddFiles: snapshot.filesByPath.size,
  };
  await storage.write(LAST_CHECKPOINT_KEY, new TextEncoder().encode(JSON.stringify(last)));
  return last;
}

/** Runs `work` on a local copy of an object (the object itself for local storage). */
async function withLocalFile<T>(
  storage: LakeStorage,
  key: string,
  work: (file: string) => Promise<T>,
): Promise<T> {
  const local = storage.localPath(key);
  if (local !== undefined) return work(local);
  const data = await storage.read(key);
  return withTempFile(async (file) => {
    await writeFile(file, data);
    return work(file);
  });
}

/**
 * Reads a classic checkpoint into a replay state at its version. Columns a checkpoint lacks
 * count as null (PROTOCOL.md); struct fields Pitwall does not know are ignored.
 */
export async function readCheckpoint(
  engine: DuckDbEngine,
  storage: LakeStorage,
  version: number,
): Promise<ReplayState> {
  const key = checkpointKey(version);
  const rows = await withLocalFile(storage, key, (file) =>
    engine.withConnection(async (connection) => {
      const source = `read_parquet(${quoteLiteral(file)})`;
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      const present = new Set(described.getRows().map((row) => String(row[0])));
      const columns = CHECKPOINT_COLUMNS.filter((column) => present.has(column));
      if (columns.length === 0) throw new LakeError(`${key} has none of the checkpoint columns`);
      const reader = await connection.runAndReadAll(
        `SELECT ${columns.map((c) => `to_json(${quoteIdentifier(c)})::VARCHAR`).join(', ')} FROM ${source}`,
      );
      return reader.getRows().map((row) => ({ columns, row }));
    }),
  );
  const actions: Action[] = [];
  rows.forEach(({ columns, row }, index) => {
    columns.forEach((column, c) => {
      const json = row[c];
      if (typeof json !== 'string') return;
      const action = toAction({ [column]: JSON.parse(json) as unknown }, `${key} row ${index}`);
      if (action !== undefined) actions.push(action);
    });
  });
  const state = new ReplayState();
  state.apply(version, actions, true);
  return state;
}

/** Reads `_last_checkpoint`, or undefined when absent or unreadable (it is only a hint). */
export async function readLastCheckpoint(
  storage: LakeStorage,
): Promise<LastCheckpoint | undefined> {
  try {
    if (!(await storage.exists(LAST_CHECKPOINT_KEY))) return undefined;
    const parsed = JSON.parse(new TextDecoder().decode(await storage.read(LAST_CHECKPOINT_KEY))) as
      Partial<LastCheckpoint> | undefined;
    return typeof parsed?.version === 'number' && typeof parsed.size === 'number'
      ? (parsed as LastCheckpoint)
      : undefined;
  } catch {
    return undefined;
  }
}
