// File primitives of MLflow's file-store layout: YAML documents PyYAML reads back the same,
// whole-file values (params, tags, aliases) replaced atomically, metric lines appended.
//
// Atomic replacement writes a temporary file and renames it over the target. The temporary
// file lives in the entity's own folder (the one holding meta.yaml), never in `tags/`,
// `params/` or `metrics/`: MLflow reads every file in those folders as a key, so a leftover
// from a crash there would surface as a bogus tag.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ERROR_CODES, TrackingError } from '../../../errors.js';

interface ErrnoError extends Error {
  readonly code?: string;
}

export function errnoCode(error: unknown): string | undefined {
  return error instanceof Error ? (error as ErrnoError).code : undefined;
}

export function storeError(what: string, error: unknown): TrackingError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TrackingError(ERROR_CODES.tracking, `${what}: ${reason}`, { cause: error });
}

/**
 * YAML as PyYAML's `safe_dump(default_flow_style=False, sort_keys=True)` would read it:
 * YAML 1.1 quoting, so strings such as `yes`, `on` or `010` stay strings for MLflow.
 */
export function toYaml(document: Readonly<Record<string, unknown>>): string {
  return YAML.stringify(document, { version: '1.1', sortMapEntries: true, lineWidth: 0 });
}

/** Parses YAML with PyYAML's 1.1 rules; an empty file is `undefined`. */
export function parseYaml(text: string, file: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = YAML.parse(text, { version: '1.1' });
  } catch (error) {
    throw storeError(`${file} is not valid YAML`, error);
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TrackingError(ERROR_CODES.tracking, `${file} does not hold a YAML mapping`);
  }
  return value as Record<string, unknown>;
}

/** Reads `dir/meta.yaml`; undefined when the file is absent or empty. */
export async function readMeta(dir: string): Promise<Record<string, unknown> | undefined> {
  const file = path.join(dir, 'meta.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw storeError(`cannot read ${file}`, error);
  }
  return parseYaml(text, file);
}

/** Replaces `file` with `content` in one rename; the temporary file is made in `entityDir`. */
export async function writeAtomic(file: string, content: string, entityDir: string): Promise<void> {
  const temp = path.join(entityDir, `.pitwall-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, content, 'utf8');
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw storeError(`cannot write ${file}`, error);
  }
}

export async function writeMeta(
  dir: string,
  document: Readonly<Record<string, unknown>>,
): Promise<void> {
  await writeAtomic(path.join(dir, 'meta.yaml'), toYaml(document), dir);
}

/** Appends text (whole lines) to `file`, creating its folder; one append per call. */
export async function appendText(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await appendFile(file, text, 'utf8');
  } catch (error) {
    throw storeError(`cannot append to ${file}`, error);
  }
}

/** Reads a whole value file (param, tag, alias); undefined when absent. */
export async function readValue(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw storeError(`cannot read ${file}`, error);
  }
}

/** The names of sub-folders of `dir` (none when it is absent). */
export async function listSubdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw storeError(`cannot list ${dir}`, error);
  }
}

/**
 * Every file below `dir`, as `/`-joined paths relative to it: the keys of a params, tags or
 * metrics folder (a key with `/` is a nested file, as MLflow stores it).
 */
export async function listKeyFiles(dir: string): Promise<string[]> {
  const keys: string[] = [];
  const walk = async (sub: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, sub), { withFileTypes: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw storeError(`cannot list ${path.join(dir, sub)}`, error);
    }
    for (const entry of entries) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) keys.push(rel);
    }
  };
  await walk('');
  return keys.sort();
}

/** Reads every key file of `dir` into a record. */
export async function readKeyValues(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await listKeyFiles(dir)) {
    out[key] = (await readValue(path.join(dir, ...key.split('/')))) ?? '';
  }
  return out;
}

// --- typed reads of YAML fields, tolerant of the shapes older MLflow versions wrote ---

export function stringField(meta: Record<string, unknown>, key: string): string | undefined {
  const value = meta[key];
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value);
}

export function numberField(meta: Record<string, unknown>, key: string): number | undefined {
  const value = meta[key];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}
