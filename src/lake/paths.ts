// Data file paths: Hive-style partition folders (`col=value/`) and the URI-encoded `path`
// that add/remove actions carry (PROTOCOL.md, "Add File and Remove File": the path is an
// RFC 2396 URI that must be decoded to get the file path).
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { LakeUnsupportedError } from '../errors.js';
import type { PartitionValues } from './actions.js';

/** Folder name of a null partition value, as Hive and Spark write it. */
export const NULL_PARTITION_FOLDER = '__HIVE_DEFAULT_PARTITION__';

// The characters Hive (and so Spark and delta-rs) percent-escape in partition folder names:
// control characters, path and glob syntax, quotes, '=' and '%' itself.
function needsHiveEscape(code: number): boolean {
  return code < 0x20 || code === 0x7f || '"#%\'*/:=?\\{[]^'.includes(String.fromCharCode(code));
}

/** Escapes a partition column name or value for use in a folder name. */
export function escapePartitionSegment(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += needsHiveEscape(code) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : text[i];
  }
  return out;
}

/** `a=1/b=x%3Ay` for the partition columns in table order. */
export function partitionFolder(
  partitionColumns: readonly string[],
  values: PartitionValues,
): string {
  return partitionColumns
    .map((column) => {
      const value = values[column] ?? null;
      const folder = value === null ? NULL_PARTITION_FOLDER : escapePartitionSegment(value);
      return `${escapePartitionSegment(column)}=${folder}`;
    })
    .join('/');
}

/**
 * A new, unique data file key: `<partition folders>/part-<uuid>.<suffix>`, the suffix naming
 * the codec as Spark does (`parquet` for uncompressed files, `gz.parquet`, `zstd.parquet`).
 */
export function newDataFileKey(
  partitionColumns: readonly string[],
  values: PartitionValues,
  suffix = 'parquet',
): string {
  const folder = partitionFolder(partitionColumns, values);
  const name = `part-${randomUUID()}.${suffix}`;
  return folder === '' ? name : `${folder}/${name}`;
}

/** The URI-encoded form of a relative key, for an add action's `path`. */
export function keyToActionPath(key: string): string {
  // encodeURI escapes '%' (so Hive escapes become %25XX), spaces and non-ASCII as UTF-8;
  // '?' and '#' delimit URI parts, so they are escaped too.
  return encodeURI(key).replaceAll('?', '%3F').replaceAll('#', '%23');
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Resolves an action's `path` to either a storage key (relative paths, the normal case) or
 * an absolute local file (for `file:` URIs other writers may record).
 */
export function resolveActionPath(
  actionPath: string,
): { readonly key: string } | { readonly file: string } {
  if (SCHEME.test(actionPath)) {
    if (actionPath.toLowerCase().startsWith('file:')) return { file: fileURLToPath(actionPath) };
    throw new LakeUnsupportedError(
      `data file ${actionPath} is an absolute URI with a scheme Pitwall cannot read`,
    );
  }
  return { key: decodeURIComponent(actionPath) };
}
