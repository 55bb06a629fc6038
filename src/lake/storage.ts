// The storage a Delta table lives on, behind one small interface: a local folder today,
// cloud object stores later. Keys are '/'-separated paths relative to the table root.
import type { TableLocation } from './location.js';

export interface StorageEntry {
  /** Key relative to the table root, '/'-separated. */
  readonly key: string;
  readonly size: number;
  /** Last modification time, milliseconds since the Unix epoch. */
  readonly modifiedMs: number;
}

export interface LakeStorage {
  /** The table root as a URI (`file:///…`). */
  readonly uri: string;
  /** Reads a whole object; throws IoError when it does not exist. */
  read(key: string): Promise<Uint8Array>;
  /** Writes a whole object, replacing any previous one atomically (readers see old or new). */
  write(key: string, data: Uint8Array): Promise<void>;
  /**
   * Creates the object only if no object exists at `key`, atomically: readers never see it
   * partially written, and of concurrent callers exactly one gets `true`. Delta commits rely
   * on this (PROTOCOL.md, "Creation of New Log Entries").
   */
  putIfAbsent(key: string, data: Uint8Array): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Size and modification time of an object, or undefined when it does not exist. */
  stat(key: string): Promise<StorageEntry | undefined>;
  /** Every object whose key starts with `prefix` (recursively), sorted by key. */
  list(prefix: string): Promise<StorageEntry[]>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * The object's path on this machine when the storage is a local folder, so DuckDB can read
   * and write it directly; undefined for remote stores (callers then stage a local copy).
   */
  localPath(key: string): string | undefined;
}

/** Joins key segments with '/', ignoring empty ones. */
export function joinKey(...parts: readonly string[]): string {
  return parts.filter((part) => part !== '').join('/');
}

export type StorageFactory = (location: TableLocation) => LakeStorage;
