// Optimistic concurrency: several processes and async writers appending to one table land
// every commit exactly once at contiguous versions; logical conflicts are detected.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CommitConflictError,
  ConcurrentTransactionError,
  ERROR_CODES,
  LakeError,
} from '../../src/errors.js';
import {
  DeltaTable,
  DuckDbEngine,
  LocalStorage,
  commitKey,
  readTable,
  type AddAction,
  type LakeStorage,
  type StorageEntry,
} from '../../src/lake/index.js';
import { ALL_TYPES_SCHEMA, dataFilesOnDisk, sampleRows, tempDir } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRITER = path.join(ROOT, 'test/lake/fixtures/append-writer.ts');

interface WriterReport {
  readonly writer: number;
  readonly versions: number[];
  readonly attempts: number[];
}

/** Starts writer processes, releases them together once all are ready, collects reports. */
async function runWriters(
  dir: string,
  writers: number,
  batches: number,
  rows: number,
): Promise<WriterReport[]> {
  const children = Array.from({ length: writers }, (_, writer) =>
    spawn(
      process.execPath,
      ['--import', 'tsx', WRITER, dir, String(writer), String(batches), String(rows)],
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    ),
  );
  const outputs = children.map(() => ({ stdout: '', stderr: '' }));
  const ready = children.map(
    (child, i) =>
      new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          const out = outputs[i];
          if (out === undefined) return;
          out.stdout += chunk;
          if (out.stdout.startsWith('ready\n')) resolve();
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          const out = outputs[i];
          if (out !== undefined) out.stderr += chunk;
        });
        child.on('exit', () =>
          reject(new Error(`writer ${i} exited early: ${outputs[i]?.stderr ?? ''}`)),
        );
      }),
  );
  const exits = children.map(
    (child) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))),
  );
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 60_000);
  try {
    await Promise.all(ready);
    for (const child of children) child.stdin.end('go\n');
    const codes = await Promise.all(exits);
    codes.forEach((code, i) => assert.equal(code, 0, `writer ${i}: ${outputs[i]?.stderr ?? ''}`));
  } finally {
    clearTimeout(timer);
  }
  return outputs.map((out) => JSON.parse(out.stdout.split('\n')[1] ?? '') as WriterReport);
}

/** Reads every commit file and checks the log is whole: versions 0..n, each commit once. */
async function assertLogIntact(dir: string, writers: number, batches: number): Promise<void> {
  const last = writers * batches;
  const txns: string[] = [];
  for (let version = 1; version <= last; version++) {
    const text = await readFile(path.join(dir, ...commitKey(version).split('/')), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, { appId?: string; version?: number }>);
    const txnLines = lines.filter((l) => 'txn' in l);
    assert.equal(txnLines.length, 1, `version ${version} holds one transaction`);
    txns.push(`${txnLines[0]?.txn?.appId}#${txnLines[0]?.txn?.version}`);
  }
  await assert.rejects(
    readFile(path.join(dir, ...commitKey(last + 1).split('/'))),
    'no extra version',
  );
  const expected = [];
  for (let w = 0; w < writers; w++)
    for (let b = 0; b < batches; b++) expected.push(`writer-${w}#${b}`);
  assert.deepEqual(txns.sort(), expected.sort());
}

describe('concurrent writers', () => {
  test('writer processes appending at once: contiguous versions, every batch exactly once', async (t) => {
    const dir = await tempDir(t, 'concurrent');
    const writers = 3;
    const batches = 8;
    const rows = 20;
    const created = await DeltaTable.create(dir, ALL_TYPES_SCHEMA, {
      configuration: { 'delta.checkpointInterval': '5' },
    });
    created.close();

    const reports = await runWriters(dir, writers, batches, rows);
    const versions = reports.flatMap((r) => r.versions).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      Array.from({ length: writers * batches }, (_, i) => i + 1),
    );
    await assertLogIntact(dir, writers, batches);

    const table = await DeltaTable.open(dir);
    t.after(() => table.close());
    const snapshot = await table.snapshot();
    assert.equal(snapshot.version, writers * batches);
    assert.equal(snapshot.files.length, writers * batches);
    for (let w = 0; w < writers; w++) assert.equal(snapshot.txnVersion(`writer-${w}`), batches - 1);
    // No lost files and no orphans: what is on disk is exactly what the log references.
    assert.deepEqual(await dataFilesOnDisk(dir), snapshot.files.map((f) => f.path).sort());
    const ids = (await readTable(snapshot, { orderBy: 'event_id' })).map((r) => r.event_id);
    const expected = [];
    for (let w = 0; w < writers; w++) {
      for (let i = 0; i < batches * rows; i++) expected.push(BigInt(w * 1_000_000 + i));
    }
    assert.deepEqual(ids, expected);
    // Checkpoints written under contention replay to the same state as the JSON log.
    assert.equal((await table.readLastCheckpoint())?.version, 20);
    const replayed = await table.snapshot(undefined, { ignoreCheckpoints: true });
    assert.deepEqual(
      [...replayed.filesByPath.keys()].sort(),
      [...snapshot.filesByPath.keys()].sort(),
    );
  });

  test('async writers in one process sharing a DuckDB engine', async (t) => {
    const dir = await tempDir(t, 'concurrent');
    const engine = new DuckDbEngine();
    t.after(() => engine.close());
    const writers = 4;
    const batches = 5;
    (
      await DeltaTable.create(dir, ALL_TYPES_SCHEMA, { engine, partitionColumns: ['event_date'] })
    ).close();
    const tables = await Promise.all(
      Array.from({ length: writers }, () => DeltaTable.open(dir, { engine })),
    );
    const results = await Promise.all(
      tables.map(async (table, writer) => {
        const versions: number[] = [];
        for (let batch = 0; batch < batches; batch++) {
          const result = await table.appendRows(sampleRows(6, writer * 1000 + batch * 6), {
            txn: { appId: `writer-${writer}`, version: batch },
          });
          assert.ok(result.status === 'committed');
          versions.push(result.version);
        }
        return versions;
      }),
    );
    assert.deepEqual(
      results.flat().sort((a, b) => a - b),
      Array.from({ length: writers * batches }, (_, i) => i + 1),
    );
    await assertLogIntact(dir, writers, batches);
    const snapshot = await tables[0]!.snapshot();
    assert.equal(snapshot.files.length, writers * batches * 2);
    assert.equal((await readTable(snapshot, { engine })).length, writers * batches * 6);
  });
});

/** Adds a fake file action: conflict checks run before any file would be read. */
function fakeAdd(name: string): { add: AddAction } {
  return {
    add: {
      path: `${name}.parquet`,
      partitionValues: {},
      size: 1,
      modificationTime: Date.now(),
      dataChange: true,
    },
  };
}

describe('conflict detection', () => {
  test('a concurrent transaction for the same appId fails with ConcurrentTransactionError', async (t) => {
    const dir = await tempDir(t, 'conflict');
    const a = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    const b = await DeltaTable.open(dir);
    t.after(() => (a.close(), b.close()));
    const read = await a.snapshot();
    assert.equal(
      (await b.appendRows(sampleRows(2), { txn: { appId: 'ingest', version: 1 } })).status,
      'committed',
    );
    await assert.rejects(
      a.commit([fakeAdd('mine')], {
        operation: 'WRITE',
        readVersion: read.version,
        txns: [{ appId: 'ingest', version: 1 }],
      }),
      (error: unknown) =>
        error instanceof ConcurrentTransactionError &&
        error.code === ERROR_CODES.lakeConcurrentTransaction &&
        error.appId === 'ingest' &&
        error.conflictingVersion === 1 &&
        !error.canRetry,
    );
    assert.equal(await a.latestVersion(), 1);
  });

  test('appendRows losing a same-appId race removes its files; a retry is then skipped', async (t) => {
    const dir = await tempDir(t, 'conflict');
    (await DeltaTable.create(dir, ALL_TYPES_SCHEMA)).close();
    const other = await DeltaTable.open(dir);
    t.after(() => other.close());
    // The race is made deterministic: just before A's first commit attempt, B commits the
    // same application transaction.
    let raced = false;
    const storage = new RacingStorage(new LocalStorage(dir), async () => {
      if (raced) return;
      raced = true;
      assert.equal(
        (await other.appendRows(sampleRows(3, 100), { txn: { appId: 'ingest', version: 5 } }))
          .status,
        'committed',
      );
    });
    const a = await DeltaTable.open(storage);
    t.after(() => a.close());
    await assert.rejects(
      a.appendRows(sampleRows(3), { txn: { appId: 'ingest', version: 5 } }),
      ConcurrentTransactionError,
    );
    const snapshot = await a.snapshot();
    assert.deepEqual(
      await dataFilesOnDisk(dir),
      snapshot.files.map((f) => f.path),
    );
    assert.deepEqual((await readTable(snapshot)).map((r) => r.event_id).sort(), [100n, 101n, 102n]);
    assert.deepEqual(await a.appendRows(sampleRows(3), { txn: { appId: 'ingest', version: 5 } }), {
      status: 'skipped',
      version: 1,
      txnVersion: 5,
    });
  });

  test('a concurrent metadata change fails the commit', async (t) => {
    const dir = await tempDir(t, 'conflict');
    const a = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    const b = await DeltaTable.open(dir);
    t.after(() => (a.close(), b.close()));
    const read = await a.snapshot();
    await b.setProperties({ 'delta.checkpointInterval': '3' });
    await assert.rejects(
      a.commit([fakeAdd('x')], { operation: 'WRITE', readVersion: read.version }),
      (e: unknown) =>
        e instanceof CommitConflictError &&
        e.code === ERROR_CODES.lakeConflict &&
        /metadata/.test(e.message),
    );
    // And a metadata change of ours conflicts with any concurrent commit.
    const read2 = await a.snapshot();
    await b.appendRows(sampleRows(1));
    await assert.rejects(
      a.commit([{ metaData: { ...read2.metadata, configuration: {} } }], {
        operation: 'SET TBLPROPERTIES',
        readVersion: read2.version,
      }),
      CommitConflictError,
    );
  });

  test('removing a file another writer removed concurrently fails', async (t) => {
    const dir = await tempDir(t, 'conflict');
    const a = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    const b = await DeltaTable.open(dir);
    t.after(() => (a.close(), b.close()));
    const appended = await a.appendRows(sampleRows(2));
    assert.ok(appended.status === 'committed');
    const file = appended.files[0]!;
    const read = await a.snapshot();
    await b.removeFiles([file.path]);
    await assert.rejects(
      a.commit([{ remove: { path: file.path, deletionTimestamp: Date.now(), dataChange: true } }], {
        operation: 'DELETE',
        readVersion: read.version,
      }),
      (e: unknown) => e instanceof CommitConflictError && e.conflictingVersion === 2,
    );
  });

  test('a blind append behind concurrent appends is rebased to the next version', async (t) => {
    const dir = await tempDir(t, 'conflict');
    const a = await DeltaTable.create(dir, ALL_TYPES_SCHEMA);
    const b = await DeltaTable.open(dir);
    t.after(() => (a.close(), b.close()));
    const read = await a.snapshot();
    await b.appendRows(sampleRows(1));
    await b.appendRows(sampleRows(1, 1), { txn: { appId: 'other', version: 0 } });
    const result = await a.commit([fakeAdd('late')], {
      operation: 'WRITE',
      readVersion: read.version,
      txns: [{ appId: 'mine', version: 0 }],
    });
    assert.deepEqual(result, { version: 3, attempts: 2 });
  });

  test('giving up after maxCommitAttempts is a retryable LakeError', async (t) => {
    const dir = await tempDir(t, 'conflict');
    (await DeltaTable.create(dir, ALL_TYPES_SCHEMA)).close();
    const a = await DeltaTable.open(dir, { maxCommitAttempts: 1 });
    const b = await DeltaTable.open(dir);
    t.after(() => (a.close(), b.close()));
    await b.appendRows(sampleRows(1));
    await assert.rejects(
      a.commit([fakeAdd('x')], { operation: 'WRITE', readVersion: 0 }),
      (e: unknown) => e instanceof LakeError && e.code === ERROR_CODES.lake && e.canRetry,
    );
  });
});

/** A storage that runs a hook before each commit attempt (to stage a race), then delegates. */
class RacingStorage implements LakeStorage {
  constructor(
    private readonly inner: LakeStorage,
    private readonly beforeCommit: () => Promise<void>,
  ) {}
  get uri(): string {
    return this.inner.uri;
  }
  read(key: string): Promise<Uint8Array> {
    return this.inner.read(key);
  }
  write(key: string, data: Uint8Array): Promise<void> {
    return this.inner.write(key, data);
  }
  async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    await this.beforeCommit();
    return this.inner.putIfAbsent(key, data);
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  stat(key: string): Promise<StorageEntry | undefined> {
    return this.inner.stat(key);
  }
  list(prefix: string): Promise<StorageEntry[]> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  localPath(key: string): string | undefined {
    return this.inner.localPath(key);
  }
}
