// Delta log actions (PROTOCOL.md, "Actions") as plain data, and the log's file names.
// Each action is one JSON object with a single key naming its kind, exactly as on disk.
import { LakeError } from '../errors.js';

export interface ProtocolAction {
  readonly minReaderVersion: number;
  readonly minWriterVersion: number;
  readonly readerFeatures?: readonly string[];
  readonly writerFeatures?: readonly string[];
}

export interface FormatSpec {
  readonly provider: string;
  readonly options: Readonly<Record<string, string>>;
}

export interface MetadataAction {
  /** Unique table id (a UUID). */
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly format: FormatSpec;
  /** The table schema as Delta's JSON schema string. */
  readonly schemaString: string;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  /** Milliseconds since the Unix epoch. */
  readonly createdTime?: number;
}

/** Partition values by column; null is a null partition value. */
export type PartitionValues = Readonly<Record<string, string | null>>;

export interface AddAction {
  /** URI-encoded path relative to the table root (or an absolute URI). */
  readonly path: string;
  readonly partitionValues: PartitionValues;
  readonly size: number;
  /** Milliseconds since the Unix epoch. */
  readonly modificationTime: number;
  readonly dataChange: boolean;
  /** Per-file statistics as a JSON string (see stats.ts). */
  readonly stats?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface RemoveAction {
  readonly path: string;
  /** Milliseconds since the Unix epoch. */
  readonly deletionTimestamp?: number;
  readonly dataChange: boolean;
  readonly extendedFileMetadata?: boolean;
  readonly partitionValues?: PartitionValues;
  readonly size?: number;
  readonly stats?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Application transaction id: the last batch `version` an application committed. */
export interface TxnAction {
  readonly appId: string;
  readonly version: number;
  /** Milliseconds since the Unix epoch. */
  readonly lastUpdated?: number;
}

export interface CommitInfoAction {
  /** Milliseconds since the Unix epoch. */
  readonly timestamp?: number;
  readonly operation?: string;
  readonly operationParameters?: Readonly<Record<string, string>>;
  readonly engineInfo?: string;
  readonly readVersion?: number;
  readonly isBlindAppend?: boolean;
  readonly txnId?: string;
}

export type Action =
  | { readonly protocol: ProtocolAction }
  | { readonly metaData: MetadataAction }
  | { readonly add: AddAction }
  | { readonly remove: RemoveAction }
  | { readonly txn: TxnAction }
  | { readonly commitInfo: CommitInfoAction };

export const LOG_DIR = '_delta_log';
export const LAST_CHECKPOINT_KEY = `${LOG_DIR}/_last_checkpoint`;

function pad20(version: number): string {
  return String(version).padStart(20, '0');
}

/** `_delta_log/00000000000000000042.json` */
export function commitKey(version: number): string {
  return `${LOG_DIR}/${pad20(version)}.json`;
}

/** `_delta_log/00000000000000000042.checkpoint.parquet` (a classic, single-file checkpoint). */
export function checkpointKey(version: number): string {
  return `${LOG_DIR}/${pad20(version)}.checkpoint.parquet`;
}

const COMMIT_NAME = /^_delta_log\/(\d{20})\.json$/;
const CHECKPOINT_NAME = /^_delta_log\/(\d{20})\.checkpoint\.parquet$/;

export type LogFile =
  | { readonly kind: 'commit'; readonly version: number }
  | { readonly kind: 'checkpoint'; readonly version: number };

/**
 * Recognises commit and classic checkpoint files. Everything else in `_delta_log` (temp
 * files of unfinished writes, multi-part or UUID-named checkpoints, checksums, compacted
 * logs, staged commits) is not part of the log Pitwall replays.
 */
export function parseLogKey(key: string): LogFile | undefined {
  const commit = COMMIT_NAME.exec(key);
  if (commit?.[1] !== undefined) return { kind: 'commit', version: Number(commit[1]) };
  const checkpoint = CHECKPOINT_NAME.exec(key);
  if (checkpoint?.[1] !== undefined) return { kind: 'checkpoint', version: Number(checkpoint[1]) };
  return undefined;
}

/** One action per line (newline-delimited JSON), as a commit file holds them. */
export function encodeActions(actions: readonly Action[]): Uint8Array {
  return new TextEncoder().encode(
    actions.map((action) => JSON.stringify(action)).join('\n') + '\n',
  );
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops keys whose value is null, as a JSON writer that omits absent options would. */
function withoutNulls(value: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

function requireFields(
  kind: string,
  body: JsonObject,
  fields: Record<string, string>,
  where: string,
): void {
  for (const [field, type] of Object.entries(fields)) {
    const actual = Array.isArray(body[field]) ? 'array' : typeof body[field];
    if (actual !== type) {
      throw new LakeError(`${where}: ${kind}.${field} should be ${type}, found ${actual}`);
    }
  }
}

/**
 * Turns one parsed JSON object (a commit line or a checkpoint row) into an action, or
 * undefined for actions Pitwall does not use (cdc, domainMetadata, checkpointMetadata…),
 * which PROTOCOL.md ("Protocol Evolution") says readers must ignore.
 */
export function toAction(raw: unknown, where: string): Action | undefined {
  if (!isObject(raw)) throw new LakeError(`${where}: an action must be a JSON object`);
  const body = (key: string): JsonObject | undefined => {
    const value = raw[key];
    return isObject(value) ? withoutNulls(value) : undefined;
  };
  const add = body('add');
  if (add !== undefined) {
    requireFields(
      'add',
      add,
      { path: 'string', size: 'number', modificationTime: 'number' },
      where,
    );
    return {
      add: {
        ...add,
        partitionValues: isObject(add.partitionValues) ? add.partitionValues : {},
        dataChange: add.dataChange !== false,
      } as AddAction,
    };
  }
  const remove = body('remove');
  if (remove !== undefined) {
    requireFields('remove', remove, { path: 'string' }, where);
    return { remove: { ...remove, dataChange: remove.dataChange !== false } as RemoveAction };
  }
  const txn = body('txn');
  if (txn !== undefined) {
    requireFields('txn', txn, { appId: 'string', version: 'number' }, where);
    return { txn: txn as unknown as TxnAction };
  }
  const metaData = body('metaData');
  if (metaData !== undefined) {
    requireFields('metaData', metaData, { id: 'string', schemaString: 'string' }, where);
    return {
      metaData: {
        ...metaData,
        format: isObject(metaData.format) ? metaData.format : { provider: 'parquet', options: {} },
        partitionColumns: Array.isArray(metaData.partitionColumns) ? metaData.partitionColumns : [],
        configuration: isObject(metaData.configuration) ? metaData.configuration : {},
      } as unknown as MetadataAction,
    };
  }
  const protocol = body('protocol');
  if (protocol !== undefined) {
    requireFields(
      'protocol',
      protocol,
      { minReaderVersion: 'number', minWriterVersion: 'number' },
      where,
    );
    return { protocol: protocol as unknown as ProtocolAction };
  }
  const commitInfo = body('commitInfo');
  if (commitInfo !== undefined) return { commitInfo };
  return undefined;
}

/** Parses a commit file's newline-delimited JSON; a malformed line is a LakeError. */
export function decodeActions(data: Uint8Array, where: string): Action[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]?.trim() ?? '';
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (cause) {
      throw new LakeError(
        `${where} line ${index + 1} is not valid JSON: the commit file is corrupt`,
        {
          cause,
        },
      );
    }
    const action = toAction(raw, `${where} line ${index + 1}`);
    if (action !== undefined) actions.push(action);
  }
  return actions;
}
