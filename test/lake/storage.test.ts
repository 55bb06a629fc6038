// LakeStorage implementations: the shared contract, plus what only the local folder does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { LakeError } from '../../src/errors.js';
import { LocalStorage, MemoryStorage, openStorage } from '../../src/lake/index.js';
import { tempDir } from './helpers.js';
import { describeStorageContract } from './storage.case.js';

describeStorageContract('LocalStorage', async (t) => new LocalStorage(await tempDir(t, 'storage')));
describeStorageContract('MemoryStorage', () => Promise.resolve(new MemoryStorage()));

describe('LocalStorage', () => {
  test('leaves no temporary files behind after writes and lost races', async (t) => {
    const dir = await tempDir(t, 'storage');
    const storage = new LocalStorage(dir);
    await storage.write('_delta_log/_last_checkpoint', new Uint8Array([1]));
    await Promise.all(
      Array.from({ length: 8 }, () =>
        storage.putIfAbsent('_delta_log/00.json', new Uint8Array([2])),
      ),
    );
    assert.deepEqual((await readdir(path.join(dir, '_delta_log'))).sort(), [
      '00.json',
      '_last_checkpoint',
    ]);
  });

  test('refuses keys that escape the table folder', async (t) => {
    const storage = new LocalStorage(await tempDir(t, 'storage'));
    for (const key of ['../outside', 'a/../../b', '/etc/passwd', '']) {
      await assert.rejects(storage.write(key, new Uint8Array()), LakeError, key);
    }
  });

  test('openStorage maps a file URI and a plain path to the same folder', async (t) => {
    const dir = await tempDir(t, 'storage');
    const byPath = openStorage(dir);
    const byUri = openStorage(byPath.uri);
    assert.ok(byPath.uri.startsWith('file:///'));
    assert.equal(byUri.uri, byPath.uri);
    assert.equal(byUri.localPath('a/b'), path.join(dir, 'a', 'b'));
  });
});
