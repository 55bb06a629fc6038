// DeltaTable: create/open a Delta table, read snapshots, and commit with optimistic
// concurrency (PROTOCOL.md, "Delta Table Specification" and "Transaction Identifiers").
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConcurrentTransactionError,
  LakeDataError,
  LakeError,
  LakeUnsupportedError,
  TableExistsError,
  TableNotFoundError,
} from '../errors.js';
import {
  commitKey,
  encodeActions,
  type Action,
  type AddAction,
  type CommitInfoAction,
  type MetadataAction,
  type ProtocolAction,
  type RemoveAction,
} from './actions.js';
import { checkBatch, type ColumnBatch, type LakeRow } from './batch.js';
import { readLastCheckpoint, writeCheckpoint, type LastCheckpoint } from './checkpoint.js';
import { checkConflict, footprintOf } from './conflicts.js';
import { writeDataFiles } from './data-writer.js';
import { DeltaLog, type SnapshotOptions } from './delta-log.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { engineInfo } from './engine-info.js';
import { openStorage } from './open-storage.js';
import { checkOptionKeys, checkTxnId, type TxnId } from './options.js';
import { resolveActionPath } from './paths.js';
import {
  isList,
  parseDeltaSchemaString,
  toDeltaSchemaString,
  validateSchema,
  type TableSchema,
} from './schema.js';
import { READER_VERSION, WRITER_VERSION, assertWritable, type Snapshot } from './snapshot.js';
import type { LakeStorage } from './storage.js';
import { checkpointInterval, isAppendOnly, validateConfiguration } from './table-config.js';

export interface DeltaTableOptions {
  /** A DuckDB engine to share; the table then does not close it. Default: its own. */
  readonly engine?: DuckDbEngine;
  /** Attempts per commit before giving up when other writers keep winning. Default 32. */
  readonly maxCommitAttempts?: number;
  /**
   * Called when writing a checkpoint after a commit fails; the commit itself stands.
   * Default: a process warning.
   */
  readonly onCheckpointError?: (error: unknown, version: number) => void;
}

export interface CreateTableOptions extends DeltaTableOptions {
  readonly partitionColumns?: readonly string[];
  /** Table properties, e.g. `{ 'delta.checkpointInterval': '10' }`. */
  readonly configuration?: Readonly<Record<string, string>>;
  readonly name?: string;
  readonly description?: string;
}

export interface CommitOptions {
  /** The operation name recorded in commitInfo, e.g. 'WRITE'. */
  readonly operation: string;
  /** Recorded in commitInfo; non-string values are stored as JSON text. */
  readonly operationParameters?: Readonly<Record<string, unknown>>;
  /** Application transactions recorded atomically with the actions. */
  readonly txns?: readonly TxnId[];
  /**
   * The table version the actions were planned from. Default: the latest version when
   * `commit` is called (a blind commit).
   */
  readonly readVersion?: number;
}

export interface CommitResult {
  readonly version: number;
  /** 1 when the first attempted version was free. */
  readonly attempts: number;
  /** The checkpoint written after this commit, when one was due and succeeded. */
  readonly checkpoint?: LastCheckpoint;
}

export interface AppendOptions {
  /**
   * Records `{ appId, version }` with the files. If the table already holds a version ≥
   * this one for the appId, nothing is written and the result is `skipped`.
   */
  readonly txn?: TxnId;
  /**
   * Several application transactions recorded atomically with the files (for example one
   * per log partition of a micro-batch); not with `txn`. When every one is already at or
   * above its version the result is `skipped`; when only some are, the call fails with
   * ConcurrentTransactionError before writing anything, naming the first stale appId.
   */
  readonly txns?: readonly TxnId[];
  /** Default 'WRITE'. */
  readonly operation?: string;
}

export type AppendResult =
  | {
      readonly status: 'committed';
      readonly version: number;
      readonly attempts: number;
      readonly files: readonly AddAction[];
      readonly numRecords: number;
    }
  /** The application transaction was already committed: nothing was written. */
  | { readonly status: 'skipped'; readonly version: number; readonly txnVersion: number }
  /** No rows and no transaction: nothing to commit. */
  | { readonly status: 'empty'; readonly version: number };

const TABLE_OPTION_KEYS = ['engine', 'maxCommitAttempts', 'onCheckpointError'] as const;
const CREATE_OPTION_KEYS = [
  ...TABLE_OPTION_KEYS,
  'partitionColumns',
  'configuration',
  'name',
  'description',
] as const;

const PROTOCOL: ProtocolAction = {
  minReaderVersion: READER_VERSION,
  minWriterVersion: WRITER_VERSION,
};

/** The table already holds `txn.appId` at or above `txn.version`. */
function staleTransaction(base: Snapshot, txn: TxnId): ConcurrentTransactionError {
  const done = base.txnVersion(txn.appId);
  return new ConcurrentTransactionError(
    `application '${txn.appId}' is already at transaction ${String(done)} in version ${base.version}, not below ${txn.version}: another writer with the same appId got there first`,
    txn.appId,
    base.version,
  );
}

/** Exponential backoff with full jitter: spreads writers that collided apart. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(250, 4 * 2 ** attempt);
}

function checkPartitionColumns(schema: TableSchema, columns: readonly string[]): string[] {
  if (!isList(columns)) {
    throw new LakeDataError('partitionColumns: must be an array');
  }
  const seen = new Set<string>();
  for (const [index, name] of columns.entries()) {
    const field = schema.fields.find((f) => f.name === name);
    if (field === undefined) {
      throw new LakeDataError(`partitionColumns[${index}]: '${String(name)}' is not a column`);
    }
    if (seen.has(name)) throw new LakeDataError(`partitionColumns[${index}]: '${name}' repeats`);
    if (field.type === 'binary') {
      throw new LakeDataError(
        `partitionColumns[${index}]: binary column '${name}' cannot partition`,
      );
    }
    seen.add(name);
  }
  if (seen.size === schema.fields.length) {
    throw new LakeDataError('partitionColumns: at least one column must be a data column');
  }
  return [...columns];
}

/** Writer version 2 must enforce column invariants; Pitwall refuses tables that use them. */
function checkNoInvariants(schema: TableSchema): void {
  for (const field of schema.fields) {
    if (field.metadata !== undefined && 'delta.invariants' in field.metadata) {
      throw new LakeUnsupportedError(
        `column '${field.name}' has a delta.invariants constraint, which Pitwall cannot enforce`,
      );
    }
  }
}

function sameSchema(a: TableSchema, b: TableSchema): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((field, i) => {
      const other = b.fields[i];
      return (
        other !== undefined &&
        other.name === field.name &&
        other.type === field.type &&
        (other.nullable ?? true) === (field.nullable ?? true)
      );
    })
  );
}

function operationParameters(
  parameters: Readonly<Record<string, unknown>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters ?? {})) {
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * A Delta table on a LakeStorage. Snapshots are read through an in-memory cache that
 * replays only new commits; commits are optimistic and retried on version collisions.
 *
 * @example
 * const table = await DeltaTable.create('file:///lake/bronze', {
 *   fields: [
 *     { name: 'event_date', type: 'date' },
 *     { name: 'payload', type: 'binary' },
 *   ],
 * }, { partitionColumns: ['event_date'] });
 * try {
 *   // Batch 41 of stream 'bronze-0': written once, skipped if replayed after a crash.
 *   const result = await table.appendRows(rows, { txn: { appId: 'bronze-0', version: 41 } });
 * } finally {
 *   table.close();
 * }
 */
export class DeltaTable {
  readonly storage: LakeStorage;
  private readonly log: DeltaLog;
  private readonly engine: DuckDbEngine;
  private readonly ownsEngine: boolean;
  private readonly maxCommitAttempts: number;
  private readonly onCheckpointError: (error: unknown, version: number) => void;
  /** Errors from a commit write whose outcome is unknown (the commit may have landed). */
  private readonly ambiguous = new WeakSet<object>();

  private constructor(storage: LakeStorage, options: DeltaTableOptions) {
    const attempts = options.maxCommitAttempts ?? 32;
    if (!Number.isSafeInteger(attempts) || attempts < 1) {
      throw new LakeDataError(
        `options.maxCommitAttempts: ${String(attempts)} is not a positive integer`,
      );
    }
    this.storage = storage;
    this.engine = options.engine ?? new DuckDbEngine();
    this.ownsEngine = options.engine === undefined;
    this.log = new DeltaLog(storage, this.engine);
    this.maxCommitAttempts = attempts;
    this.onCheckpointError =
      options.onCheckpointError ??
      ((error, version) => {
        const reason = error instanceof Error ? error.message : String(error);
        process.emitWarning(
          `checkpoint of ${storage.uri} at version ${version} failed: ${reason}`,
          {
            code: 'PITWALL_LAKE_CHECKPOINT',
          },
        );
      });
  }

  /** Creates a table (version 0: protocol, metaData); TableExistsError if one is there. */
  static async create(
    location: string | LakeStorage,
    schema: TableSchema,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    checkOptionKeys(options, CREATE_OPTION_KEYS, 'options');
    const checked = validateSchema(schema);
    checkNoInvariants(checked);
    const partitionColumns = checkPartitionColumns(checked, options.partitionColumns ?? []);
    const configuration = validateConfiguration(options.configuration ?? {});
    const table = new DeltaTable(openStorage(location), options);
    try {
      const listing = await table.log.list();
      if (listing.commits.length > 0 || listing.checkpoints.length > 0) {
        throw new TableExistsError(`a Delta table already exists at ${table.uri}`);
      }
      const now = Date.now();
      const metaData: MetadataAction = {
        id: randomUUID(),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.description === undefined ? {} : { description: options.description }),
        format: { provider: 'parquet', options: {} },
        schemaString: toDeltaSchemaString(checked),
        partitionColumns,
        configuration,
        createdTime: now,
      };
      const commitInfo: CommitInfoAction = {
        timestamp: now,
        operation: 'CREATE TABLE',
        operationParameters: {
          partitionBy: JSON.stringify(partitionColumns),
          properties: JSON.stringify(configuration),
        },
        isBlindAppend: true,
        engineInfo: engineInfo(),
        txnId: randomUUID(),
      };
      const body = encodeActions([{ commitInfo }, { protocol: PROTOCOL }, { metaData }]);
      if (!(await table.storage.putIfAbsent(commitKey(0), body))) {
        throw new TableExistsError(`a Delta table was created concurrently at ${table.uri}`);
      }
      return table;
    } catch (error) {
      table.close();
      throw error;
    }
  }

  /** Opens an existing table; TableNotFoundError when there is none. */
  static async open(
    location: string | LakeStorage,
    options: DeltaTableOptions = {},
  ): Promise<DeltaTable> {
    checkOptionKeys(options, TABLE_OPTION_KEYS, 'options');
    const table = new DeltaTable(openStorage(location), options);
    try {
      // An unknown `pitwall.parquet.compression` (set by another tool) still lets the
      // table be read; appends refuse it with a clear error.
      await table.snapshot();
      return table;
    } catch (error) {
      table.close();
      throw error;
    }
  }

  /**
   * Opens the table, creating it first if there is none (safe when several processes race).
   * An existing table must have the same columns and partition columns.
   */
  static async openOrCreate(
    location: string | LakeStorage,
    schema: TableSchema,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    checkOptionKeys(options, CREATE_OPTION_KEYS, 'options');
    const storage = openStorage(location);
    const tableOptions: DeltaTableOptions = {
      ...(options.engine === undefined ? {} : { engine: options.engine }),
      ...(options.maxCommitAttempts === undefined
        ? {}
        : { maxCommitAttempts: options.maxCommitAttempts }),
      ...(options.onCheckpointError === undefined
        ? {}
        : { onCheckpointError: options.onCheckpointError }),
    };
    let table: DeltaTable;
    try {
      table = await DeltaTable.open(storage, tableOptions);
    } catch (error) {
      if (!(error instanceof TableNotFoundError)) throw error;
      try {
        return await DeltaTable.create(storage, schema, options);
      } catch (createError) {
        if (!(createError instanceof TableExistsError)) throw createError;
        table = await DeltaTable.open(storage, tableOptions);
      }
    }
    try {
      const snapshot = await table.snapshot();
      const wanted = validateSchema(schema);
      const partitions = options.partitionColumns ?? [];
      if (
        !sameSchema(snapshot.schema, wanted) ||
        JSON.stringify(snapshot.partitionColumns) !== JSON.stringify(partitions)
      ) {
        throw new LakeDataError(
          `the table at ${table.uri} exists with different columns or partition columns`,
        );
      }
      return table;
    } catch (error) {
      table.close();
      throw error;
    }
  }

  get uri(): string {
    return this.storage.uri;
  }

  /** The table at `version` (time travel) or, by default, the latest version. */
  snapshot(version?: number, options: SnapshotOptions = {}): Promise<Snapshot> {
    return this.log.snapshot(version, options);
  }

  async latestVersion(): Promise<number> {
    return (await this.snapshot()).version;
  }

  /** The last version `appId` committed, or undefined; a streaming writer skips batches ≤ it. */
  async txnVersion(appId: string): Promise<number | undefined> {
    return (await this.snapshot()).txnVersion(appId);
  }

  /** `_delta_log/_last_checkpoint`, or undefined when no checkpoint was written. */
  readLastCheckpoint(): Promise<LastCheckpoint | undefined> {
    return readLastCheckpoint(this.storage);
  }

  /** Writes a checkpoint of `version` (default: the latest). */
  async checkpoint(version?: number): Promise<LastCheckpoint> {
    return writeCheckpoint(this.engine, this.storage, await this.snapshot(version));
  }

  /**
   * Commits actions as the next version. On a version collision it reads the winning
   * commits, fails on a logical conflict (CommitConflictError, ConcurrentTransactionError)
   * and otherwise retries at the next free version with jittered backoff. `add`, `remove`,
   * `metaData` and `protocol` actions are accepted; commitInfo and txn actions are written
   * by the table (see `options.txns`).
   */
  async commit(actions: readonly Action[], options: CommitOptions): Promise<CommitResult> {
    checkOptionKeys(
      options,
      ['operation', 'operationParameters', 'txns', 'readVersion'],
      'options',
    );
    const base =
      options.readVersion === undefined
        ? await this.snapshot()
        : await this.snapshot(options.readVersion);
    return this.commitOn(base, actions, options);
  }

  /**
   * Writes rows (or a columnar batch) as Parquet files and commits their add actions, with
   * statistics, in one commit. With `txn`, the application transaction is recorded in the
   * same commit; a batch whose `txn.version` is not above the table's `txnVersion(appId)`
   * is skipped without writing anything, so a replayed batch is never doubled.
   */
  async appendRows(
    data: readonly LakeRow[] | ColumnBatch,
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    checkOptionKeys(options, ['txn', 'txns', 'operation'], 'options');
    if (options.txn !== undefined && options.txns !== undefined) {
      throw new LakeDataError('options: give txn or txns, not both');
    }
    if (options.txns !== undefined && !isList(options.txns)) {
      throw new LakeDataError('options.txns: must be an array');
    }
    const txns =
      options.txn !== undefined
        ? [checkTxnId(options.txn, 'options.txn')]
        : (options.txns ?? []).map((txn, index) => checkTxnId(txn, `options.txns[${index}]`));
    const base = await this.snapshot();
    if (txns.length > 0) {
      const stale = txns.filter((txn) => {
        const done = base.txnVersion(txn.appId);
        return done !== undefined && done >= txn.version;
      });
      if (stale.length === txns.length) {
        const first = stale[0] as TxnId;
        return {
          status: 'skipped',
          version: base.version,
          txnVersion: base.txnVersion(first.appId) as number,
        };
      }
      // Only some are stale: the caller must drop what they cover and try again.
      if (stale.length > 0) throw staleTransaction(base, stale[0] as TxnId);
    }
    assertWritable(base.protocol, this.uri);
    const batch = checkBatch(base.schema, data);
    if (batch.numRows === 0 && txns.length === 0) return { status: 'empty', version: base.version };
    const files = await writeDataFiles(this.storage, base.schema, base.metadata, batch);
    try {
      const result = await this.commitOn(
        base,
        files.map((add) => ({ add })),
        {
          operation: options.operation ?? 'WRITE',
          operationParameters: { mode: 'Append', partitionBy: base.partitionColumns },
          txns,
        },
      );
      return {
        status: 'committed',
        version: result.version,
        attempts: result.attempts,
        files,
        numRecords: batch.numRows,
      };
    } catch (error) {
      // The files were never committed: remove them, unless the commit may have landed.
      if (!(error instanceof Object && this.ambiguous.has(error))) {
        await Promise.all(files.map((add) => this.deleteDataFile(add.path)));
      }
      throw error;
    }
  }

  /** Removes active files from the table (logically: the Parquet files stay for readers). */
  async removeFiles(
    paths: readonly string[],
    options: { readonly operation?: string } = {},
  ): Promise<CommitResult> {
    checkOptionKeys(options, ['operation'], 'options');
    const base = await this.snapshot();
    const now = Date.now();
    const removes = paths.map((path, index): Action => {
      const add = base.filesByPath.get(path);
      if (add === undefined) {
        throw new LakeDataError(
          `paths[${index}]: ${path} is not an active file at version ${base.version}`,
        );
      }
      const remove: RemoveAction = {
        path,
        deletionTimestamp: now,
        dataChange: true,
        extendedFileMetadata: true,
        partitionValues: add.partitionValues,
        size: add.size,
      };
      return { remove };
    });
    return this.commitOn(base, removes, {
      operation: options.operation ?? 'DELETE',
      operationParameters: { files: paths.length },
    });
  }

  /** Sets table properties (merged into the current configuration). */
  async setProperties(properties: Readonly<Record<string, string>>): Promise<CommitResult> {
    const configuration = validateConfiguration(properties);
    const base = await this.snapshot();
    const metaData: MetadataAction = {
      ...base.metadata,
      configuration: { ...base.configuration, ...configuration },
    };
    return this.commitOn(base, [{ metaData }], {
      operation: 'SET TBLPROPERTIES',
      operationParameters: { properties: configuration },
    });
  }

  /** Releases the table's own DuckDB engine (a shared engine stays open). */
  close(): void {
    if (this.ownsEngine) this.engine.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  private async deleteDataFile(actionPath: string): Promise<void> {
    const resolved = resolveActionPath(actionPath);
    if ('key' in resolved) await this.storage.delete(resolved.key).catch(() => undefined);
  }

  /** Validates the actions against `base` and builds the commit's lines. */
  private prepare(
    base: Snapshot,
    actions: readonly Action[],
    options: CommitOptions,
  ): { lines: Action[]; metadata: MetadataAction } {
    if (typeof options.operation !== 'string' || options.operation === '') {
      throw new LakeDataError('options.operation: must be a non-empty string');
    }
    assertWritable(base.protocol, this.uri);
    let protocol: ProtocolAction | undefined;
    let metaData: MetadataAction | undefined;
    const adds = new Map<string, AddAction>();
    const removes = new Map<string, RemoveAction>();
    for (const [index, action] of actions.entries()) {
      const where = `actions[${index}]`;
      if ('protocol' in action) {
        if (protocol !== undefined)
          throw new LakeDataError(`${where}: a commit holds at most one protocol action`);
        protocol = action.protocol;
        assertWritable(protocol, this.uri);
      } else if ('metaData' in action) {
        if (metaData !== undefined)
          throw new LakeDataError(`${where}: a commit holds at most one metaData action`);
        metaData = action.metaData;
      } else if ('add' in action) {
        const { path, size } = action.add;
        if (typeof path !== 'string' || path === '')
          throw new LakeDataError(`${where}.add.path: must be a non-empty string`);
        if (!Number.isSafeInteger(size) || size < 0)
          throw new LakeDataError(`${where}.add.size: must be a byte count`);
        if (adds.has(path)) throw new LakeDataError(`${where}: ${path} is added twice`);
        adds.set(path, action.add);
      } else if ('remove' in action) {
        const { path } = action.remove;
        if (typeof path !== 'string' || path === '')
          throw new LakeDataError(`${where}.remove.path: must be a non-empty string`);
        if (removes.has(path)) throw new LakeDataError(`${where}: ${path} is removed twice`);
        removes.set(path, action.remove);
      } else {
        throw new LakeDataError(
          `${where}: commit() takes add, remove, metaData and protocol actions; txn goes in options.txns and commitInfo is written for you`,
        );
      }
    }
    for (const path of removes.keys()) {
      if (adds.has(path))
        throw new LakeDataError(`${path} is both added and removed in one commit`);
    }

    const metadata = metaData ?? base.metadata;
    if (metaData !== undefined) {
      const schema = validateSchema(parseDeltaSchemaString(metaData.schemaString));
      checkNoInvariants(schema);
      checkPartitionColumns(schema, metaData.partitionColumns);
      validateConfiguration(metaData.configuration);
    }
    const columns = new Set(metadata.partitionColumns);
    for (const add of adds.values()) {
      const keys = Object.keys(add.partitionValues);
      if (keys.length !== columns.size || !keys.every((key) => columns.has(key))) {
        throw new LakeDataError(
          `add ${add.path}: partitionValues must have exactly the partition columns [${[...columns].join(', ')}]`,
        );
      }
    }
    if (isAppendOnly(base.configuration) && [...removes.values()].some((r) => r.dataChange)) {
      throw new LakeError(
        `${this.uri} is append-only (delta.appendOnly=true): data cannot be removed`,
      );
    }

    const txns = (options.txns ?? []).map((txn, index) =>
      checkTxnId(txn, `options.txns[${index}]`),
    );
    const appIds = new Set<string>();
    for (const txn of txns) {
      if (appIds.has(txn.appId))
        throw new LakeDataError(`options.txns: appId '${txn.appId}' appears twice`);
      appIds.add(txn.appId);
      // Transaction versions only move forward: a version the table already holds means
      // another writer of this appId got there first (PROTOCOL.md, "Transaction Identifiers").
      const done = base.txnVersion(txn.appId);
      if (done !== undefined && done >= txn.version) throw staleTransaction(base, txn);
    }

    const now = Date.now();
    const commitInfo: CommitInfoAction = {
      timestamp: now,
      operation: options.operation,
      operationParameters: operationParameters(options.operationParameters),
      ...(base.version >= 0 ? { readVersion: base.version } : {}),
      isBlindAppend: removes.size === 0 && metaData === undefined && protocol === undefined,
      engineInfo: engineInfo(),
      txnId: randomUUID(),
    };
    const lines: Action[] = [{ commitInfo }];
    if (protocol !== undefined) lines.push({ protocol });
    if (metaData !== undefined) lines.push({ metaData });
    for (const txn of txns) lines.push({ txn: { ...txn, lastUpdated: now } });
    for (const remove of removes.values()) lines.push({ remove });
    for (const add of adds.values()) lines.push({ add });
    return { lines, metadata };
  }

  /** The optimistic commit loop. */
  private async commitOn(
    base: Snapshot,
    actions: readonly Action[],
    options: CommitOptions,
  ): Promise<CommitResult> {
    const { lines, metadata } = this.prepare(base, actions, options);
    const footprint = footprintOf(lines);
    const body = encodeActions(lines);
    let version = base.version + 1;
    let checkedThrough = base.version;
    for (let attempt = 1; ; attempt++) {
      let won: boolean;
      try {
        won = await this.storage.putIfAbsent(commitKey(version), body);
      } catch (error) {
        if (error instanceof Object) this.ambiguous.add(error);
        throw error;
      }
      if (won) {
        const checkpoint = await this.checkpointIfDue(version, metadata);
        return { version, attempts: attempt, ...(checkpoint === undefined ? {} : { checkpoint }) };
      }
      // Lost the race for `version`: every commit since our read version must be compatible.
      const latest = await this.log.latestVersionFrom(version);
      for (let winner = checkedThrough + 1; winner <= latest; winner++) {
        checkConflict(footprint, winner, await this.log.readCommit(winner));
      }
      checkedThrough = latest;
      version = latest + 1;
      if (attempt >= this.maxCommitAttempts) {
        throw new LakeError(
          `gave up committing to ${this.uri} after ${attempt} attempts: other writers kept taking the next version`,
          { canRetry: true },
        );
      }
      await sleep(backoffMs(attempt));
    }
  }

  /** Writes a checkpoint every `delta.checkpointInterval` versions; never fails the commit. */
  private async checkpointIfDue(
    version: number,
    metadata: MetadataAction,
  ): Promise<LastCheckpoint | undefined> {
    if (version === 0 || version % checkpointInterval(metadata.configuration) !== 0)
      return undefined;
    try {
      return await writeCheckpoint(this.engine, this.storage, await this.snapshot(version));
    } catch (error) {
      try {
        this.onCheckpointError(error, version);
      } catch {
        // A throwing handler must not turn a successful commit into a failure either.
      }
      return undefined;
    }
  }
}
