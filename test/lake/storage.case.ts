// The contract every LakeStorage implementation must pass; storage.test.ts runs it for each.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { IoError } from '../../src/errors.js';
import type { LakeStorage } from '../../src/lake/index.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

export function describeStorageContract(
  name: string,
  create: (t: TestContext) => Promise<LakeStorage>,
): void {
  describe(`LakeStorage contract: ${name}`, () => {
    test('write then read returns the bytes; write replaces', async (t) => {
      const storage = await create(t);
      await storage.write('a/b/c.txt', bytes('one'));
      assert.equal(text(await storage.read('a/b/c.txt')), 'one');
      await storage.write('a/b/c.txt', bytes('two'));
      assert.equal(text(await storage.read('a/b/c.txt')), 'two');
    });

    test('reading a missing object is an IoError', async (t) => {
      const storage = await create(t);
      await assert.rejects(storage.read('missing.json'), IoError);
    });

    test('exists and stat follow writes and deletes', async (t) => {
      const storage = await create(t);
      assert.equal(await storage.exists('x.bin'), false);
      assert.equal(await storage.stat('x.bin'), undefined);
      await storage.write('x.bin', new Uint8Array(5));
      assert.equal(await storage.exists('x.bin'), true);
      const info = await storage.stat('x.bin');
      assert.equal(info?.size, 5);
      assert.ok((info?.modifiedMs ?? 0) > 0);
      await storage.delete('x.bin');
      assert.equal(await storage.exists('x.bin'), false);
      await storage.delete('x.bin'); // deleting twice is fine
    });

    test('putIfAbsent creates once and never overwrites', async (t) => {
      const storage = await create(t);
      assert.equal(await storage.putIfAbsent('log/0.json', bytes('first')), true);
      assert.equal(await storage.putIfAbsent('log/0.json', bytes('second')), false);
      assert.equal(text(await storage.read('log/0.json')), 'first');
    });

    test('of many concurrent putIfAbsent calls exactly one wins', async (t) => {
      const storage = await create(t);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => storage.putIfAbsent('race.json', bytes(`w${i}`))),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal(text(await storage.read('race.json')), `w${winner}`);
    });

    test('list returns keys under a prefix, recursively and sorted', async (t) => {
      const storage = await create(t);
      for (const key of [
        '_delta_log/2.json',
        '_delta_log/1.json',
        'p=1/f.parquet',
        '_delta_logx',
      ]) {
        await storage.write(key, bytes(key));
      }
      const keys = (await storage.list('_delta_log/')).map((e) => e.key);
      assert.deepEqual(keys, ['_delta_log/1.json', '_delta_log/2.json']);
      const all = (await storage.list('')).map((e) => e.key);
      assert.deepEqual(all, [
        '_delta_log/1.json',
        '_delta_log/2.json',
        '_delta_logx',
        'p=1/f.parquet',
      ]);
      assert.deepEqual(
        (await storage.list('_delta_log/1')).map((e) => e.key),
        ['_delta_log/1.json'],
      );
      assert.deepEqual(await storage.list('nothing/'), []);
    });
  });
}
