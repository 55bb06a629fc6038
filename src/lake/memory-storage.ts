// LakeStorage held in memory: for tests of log logic and as the smallest example of a
// non-local backend (no localPath, so DuckDB work goes through staged local copies).
import { IoError } from '../errors.js';
import type { LakeStorage, StorageEntry } from './storage.js';

interface MemoryObject {
  readonly data: Uint8Array;
  readonly modifiedMs: number;
}

export class MemoryStorage implements LakeStorage {
  readonly uri: string;
  private readonly objects = new Map<string, MemoryObject>();

  constructor(name = 'table') {
    this.uri = `memory://${name}`;
  }

  localPath(): undefined {
    return undefined;
  }

  read(key: string): Promise<Uint8Array> {
    const object = this.objects.get(key);
    if (object === undefined) {
      return Promise.reject(new IoError(`reading ${this.uri}/${key} failed (not found)`));
    }
    return Promise.resolve(object.data.slice());
  }

  write(key: string, data: Uint8Array): Promise<void> {
    this.objects.set(key, { data: data.slice(), modifiedMs: Date.now() });
    return Promise.resolve();
  }

  putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    if (this.objects.has(key)) return Promise.resolve(false);
    this.objects.set(key, { data: data.slice(), modifiedMs: Date.now() });
    return Promise.resolve(true);
  }

  exists(key: string): Promise<boolean> {
    return Promise.resolve(this.objects.has(key));
  }

  stat(key: string): Promise<StorageEntry | undefined> {
    const object = this.objects.get(key);
    return Promise.resolve(
      object === undefined
        ? undefined
        : { key, size: object.data.byteLength, modifiedMs: object.modifiedMs },
    );
  }

  list(prefix: string): Promise<StorageEntry[]> {
    const entries = [...this.objects]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, object]) => ({
        key,
        size: object.data.byteLength,
        modifiedMs: object.modifiedMs,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return Promise.resolve(entries);
  }

  delete(key: string): Promise<void> {
    this.objects.delete(key);
    return Promise.resolve();
  }
}
