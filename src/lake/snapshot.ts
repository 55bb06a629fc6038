// A table as of one version: the result of replaying the log (PROTOCOL.md, "Action
// Reconciliation"). Immutable; `DeltaTable.snapshot()` builds them.
import { LakeError, LakeUnsupportedError } from '../errors.js';
import type {
  Action,
  AddAction,
  CommitInfoAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
  TxnAction,
} from './actions.js';
import { parseDeltaSchemaString, type TableSchema } from './schema.js';
import type { LakeStorage } from './storage.js';

/** The Delta protocol versions this implementation reads and writes. */
export const READER_VERSION = 1;
export const WRITER_VERSION = 2;

/** Mutable replay state; `apply` folds one version's actions into it. */
export class ReplayState {
  protocol: ProtocolAction | undefined;
  metadata: MetadataAction | undefined;
  readonly files: Map<string, AddAction>;
  readonly tombstones: Map<string, RemoveAction>;
  readonly txns: Map<string, TxnAction>;
  /** The version of the last action set applied; -1 before any. */
  version = -1;
  /** commitInfo of the last applied commit (checkpoints do not keep it). */
  commitInfo: CommitInfoAction | undefined;

  constructor(from?: Snapshot) {
    this.protocol = from?.protocol;
    this.metadata = from?.metadata;
    this.files = new Map(from?.filesByPath);
    this.tombstones = new Map(from?.tombstonesByPath);
    this.txns = new Map(from?.txns);
    this.version = from?.version ?? -1;
    this.commitInfo = from?.commitInfo;
  }

  /** Applies the actions of `version`, which must directly follow the current one. */
  apply(version: number, actions: readonly Action[], fromCheckpoint = false): void {
    this.commitInfo = undefined;
    for (const action of actions) {
      if ('add' in action) {
        if ('deletionVector' in action.add) {
          throw new LakeUnsupportedError(
            `version ${version} adds ${action.add.path} with a deletion vector; Pitwall does not read deletion vectors`,
          );
        }
        // The newest reference to a logical file wins: an add revives a removed path.
        this.files.set(action.add.path, action.add);
        this.tombstones.delete(action.add.path);
      } else if ('remove' in action) {
        this.files.delete(action.remove.path);
        this.tombstones.set(action.remove.path, action.remove);
      } else if ('txn' in action) {
        this.txns.set(action.txn.appId, action.txn);
      } else if ('metaData' in action) {
        this.metadata = action.metaData;
      } else if ('protocol' in action) {
        this.protocol = action.protocol;
      } else if ('commitInfo' in action && !fromCheckpoint) {
        this.commitInfo = action.commitInfo;
      }
    }
    this.version = version;
  }

  toSnapshot(storage: LakeStorage): Snapshot {
    const { protocol, metadata } = this;
    if (protocol === undefined || metadata === undefined) {
      throw new LakeError(
        `the log of ${storage.uri} up to version ${this.version} has no ${protocol === undefined ? 'protocol' : 'metaData'} action`,
      );
    }
    return new Snapshot(
      storage,
      this.version,
      protocol,
      metadata,
      new Map(this.files),
      new Map(this.tombstones),
      new Map(this.txns),
      this.commitInfo,
    );
  }
}

/** Throws unless Pitwall may read a table with this protocol. */
export function assertReadable(protocol: ProtocolAction, uri: string): void {
  if (protocol.minReaderVersion > READER_VERSION) {
    const features = protocol.readerFeatures?.length
      ? ` (reader features: ${protocol.readerFeatures.join(', ')})`
      : '';
    throw new LakeUnsupportedError(
      `${uri} needs Delta reader version ${protocol.minReaderVersion}${features}; Pitwall reads version ${READER_VERSION}`,
    );
  }
}

/** Throws unless Pitwall may write a table with this protocol. */
export function assertWritable(protocol: ProtocolAction, uri: string): void {
  assertReadable(protocol, uri);
  if (protocol.minWriterVersion > WRITER_VERSION) {
    const features = protocol.writerFeatures?.length
      ? ` (writer features: ${protocol.writerFeatures.join(', ')})`
      : '';
    throw new LakeUnsupportedError(
      `${uri} needs Delta writer version ${protocol.minWriterVersion}${features}; Pitwall writes version ${WRITER_VERSION}`,
    );
  }
}

export class Snapshot {
  /** The table schema parsed from `metadata.schemaString`. */
  readonly schema: TableSchema;

  constructor(
    readonly storage: LakeStorage,
    readonly version: number,
    readonly protocol: ProtocolAction,
    readonly metadata: MetadataAction,
    /** Active files by their action path. */
    readonly filesByPath: ReadonlyMap<string, AddAction>,
    /** Remove tombstones by path (files no longer in the table, kept for VACUUM). */
    readonly tombstonesByPath: ReadonlyMap<string, RemoveAction>,
    /** Latest transaction per application id. */
    readonly txns: ReadonlyMap<string, TxnAction>,
    /** commitInfo of this version's commit, when read from its JSON file. */
    readonly commitInfo: CommitInfoAction | undefined,
  ) {
    assertReadable(protocol, storage.uri);
    this.schema = parseDeltaSchemaString(metadata.schemaString);
  }

  /** The table root URI. */
  get uri(): string {
    return this.storage.uri;
  }

  get partitionColumns(): readonly string[] {
    return this.metadata.partitionColumns;
  }

  get configuration(): Readonly<Record<string, string>> {
    return this.metadata.configuration;
  }

  /** Active data files (add actions not removed since). */
  get files(): readonly AddAction[] {
    return [...this.filesByPath.values()];
  }

  get tombstones(): readonly RemoveAction[] {
    return [...this.tombstonesByPath.values()];
  }

  /** The last version committed by `appId`, or undefined when it never committed. */
  txnVersion(appId: string): number | undefined {
    return this.txns.get(appId)?.version;
  }

  /** Row count from file statistics; undefined when a file has no numRecords. */
  get numRecords(): number | undefined {
    let total = 0;
    for (const file of this.filesByPath.values()) {
      const count = file.stats === undefined ? undefined : numRecordsOf(file.stats);
      if (count === undefined) return undefined;
      total += count;
    }
    return total;
  }
}

function numRecordsOf(stats: string): number | undefined {
  try {
    const parsed = JSON.parse(stats) as { numRecords?: unknown };
    return typeof parsed.numRecords === 'number' ? parsed.numRecords : undefined;
  } catch {
    return undefined;
  }
}
