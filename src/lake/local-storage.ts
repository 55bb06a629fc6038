// LakeStorage on a local folder (or any POSIX-like mounted filesystem).
import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IoError, LakeError } from '../errors.js';
import type { LakeStorage, StorageEntry } from './storage.js';

const TRANSIENT_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EINTR']);

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

export function ioError(action: string, file: string, cause: unknown): IoError {
  const code = errnoCode(cause);
  return new IoError(`${action} ${file} failed${code === undefined ? '' : ` (${code})`}`, {
    cause,
    canRetry: code !== undefined && TRANSIENT_CODES.has(code),
  });
}

/** Temporary files are hidden (leading '.') and end in '.tmp', so no reader takes them for data. */
function tempSibling(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
}

/** Writes `data` to a new file and flushes it to disk before returning. */
async function writeDurably(file: string, data: Uint8Array): Promise<void> {
  const handle = await open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory entry change (a new link or rename) to disk; best effort. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not every platform can open or fsync a directory (Windows); the data itself is synced.
  } finally {
    await handle?.close();
  }
}

export class LocalStorage implements LakeStorage {
  readonly uri: string;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  localPath(key: string): string {
    if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '')) {
      throw new LakeError(`storage key '${key}' is not a relative path inside the table`);
    }
    return path.join(this.root, ...key.split('/'));
  }

  async read(key: string): Promise<Uint8Array> {
    const file = this.localPath(key);
    try {
      return await readFile(file);
    } catch (cause) {
      throw ioError('reading', file, cause);
    }
  }

  async write(key: string, data: Uint8Array): Promise<void> {
    const file = this.localPath(key);
    const temp = tempSibling(file);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeDurably(temp, data);
      // rename(2) replaces the target atomically: readers see the old or the new object.
      await rename(temp, file);
      await syncDirectory(path.dirname(file));
    } catch (cause) {
      await unlink(temp).catch(() => undefined);
      throw ioError('writing', file, cause);
    }
  }

  async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    const file = this.localPath(key);
    const temp = tempSibling(file);
    // Why link(2) of a fully written temp file rather than open(file, 'wx'): both fail with
    // EEXIST when the target exists, so both pick exactly one winner. But with 'wx' the
    // commit file exists from the moment it is created, empty or half written, until the
    // write finishes: a concurrent reader listing _delta_log could parse a partial commit,
    // and a crash mid-write would leave a corrupt file that owns that version for ever.
    // link(2) publishes the name only once the content is complete and fsynced, so a commit
    // is either absent or whole; a crash leaves at most a hidden *.tmp file that readers
    // ignore. (rename(2) would be just as atomic but silently replaces an existing file.)
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeDurably(temp, data);
      try {
        await link(temp, file);
      } catch (cause) {
        if (errnoCode(cause) === 'EEXIST') return false;
        throw cause;
      }
      await syncDirectory(path.dirname(file));
      return true;
    } catch (cause) {
      throw ioError('creating', file, cause);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async stat(key: string): Promise<StorageEntry | undefined> {
    const file = this.localPath(key);
    try {
      const info = await stat(file);
      return info.isFile()
        ? { key, size: info.size, modifiedMs: Math.floor(info.mtimeMs) }
        : undefined;
    } catch (cause) {
      if (errnoCode(cause) === 'ENOENT' || errnoCode(cause) === 'ENOTDIR') return undefined;
      throw ioError('inspecting', file, cause);
    }
  }

  async list(prefix: string): Promise<StorageEntry[]> {
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut < 0 ? '' : prefix.slice(0, cut);
    const namePrefix = prefix.slice(cut + 1);
    const keys: string[] = [];
    await this.walk(dirKey, namePrefix, keys);
    const entries = await Promise.all(keys.map((key) => this.stat(key)));
    return entries
      .filter((entry): entry is StorageEntry => entry !== undefined)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(dirKey: string, namePrefix: string, out: string[]): Promise<void> {
    const dir = dirKey === '' ? this.root : this.localPath(dirKey);
    let names;
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch (cause) {
      if (errnoCode(cause) === 'ENOENT' || errnoCode(cause) === 'ENOTDIR') return;
      throw ioError('listing', dir, cause);
    }
    for (const entry of names) {
      if (!entry.name.startsWith(namePrefix)) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) await this.walk(key, '', out);
      else if (entry.isFile()) out.push(key);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.localPath(key);
    try {
      await unlink(file);
    } catch (cause) {
      if (errnoCode(cause) === 'ENOENT') return;
      throw ioError('deleting', file, cause);
    }
  }
}
