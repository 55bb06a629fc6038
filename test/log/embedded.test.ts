// The embedded log: the shared transport suite, then what only a file-backed log has —
// several processes at once, crashes, lock contention, on-disk settings and corruption.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { ERROR_CODES, LogError } from '../../src/errors.js';
import { openDatabase } from '../../src/log/embedded/database.js';
import { EmbeddedLog, type EmbeddedLogOptions } from '../../src/log/index.js';
import type { ConsumedMessage } from '../../src/log/types.js';
import { keyOf, seqOf, valueOf } from './fixtures/messages.js';
import { pollUntil, runTransportSuite } from './transport-suite.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'pitwall-log-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;

function freshDir(): string {
  const dir = path.join(root, `log-${++folders}`);
  mkdirSync(dir);
  return dir;
}

function openLog(t: TestContext, options: Partial<EmbeddedLogOptions> = {}): EmbeddedLog {
  const log = new EmbeddedLog({ dir: freshDir(), ...options });
  t.after(() => log.close());
  return log;
}

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Starts a fixture script in its own Node process; stdout lines go to `onLine`. */
function spawnFixture(
  t: TestContext,
  script: string,
  args: readonly string[],
  onLine: (line: string) => void,
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout }).on('line', onLine);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

async function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null)
    return child.exitCode ?? child.signalCode!;
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return code ?? signal!;
}

async function createTopic(
  log: EmbeddedLog,
  topic: string,
  partitions: number,
  extra = {},
): Promise<void> {
  const admin = log.createAdmin();
  try {
    await admin.createTopic(topic, { partitions, ...extra });
  } finally {
    await admin.close();
  }
}

/**
 * Every message checked whole; each producer's messages of one key in sequence order
 * (`producerOf` tells which producer sent a sequence number); offsets contiguous per
 * partition. Returns the sequence numbers, sorted.
 */
function checkStream(
  messages: readonly ConsumedMessage[],
  producerOf = (_seq: number) => 0,
): number[] {
  const lastSeqOfKey = new Map<string, number>();
  const nextOffset = new Map<number, number>();
  const seqs = messages.map((m) => {
    const seq = seqOf(m.value);
    const key = m.key!.toString();
    assert.equal(key, keyOf(seq));
    const stream = `${producerOf(seq)}/${key}`;
    assert.ok(seq > (lastSeqOfKey.get(stream) ?? -1), `order of ${key} at ${seq}`);
    lastSeqOfKey.set(stream, seq);
    assert.equal(m.offset, nextOffset.get(m.partition) ?? m.offset);
    nextOffset.set(m.partition, m.offset + 1);
    return seq;
  });
  return seqs.sort((a, b) => a - b);
}

runTransportSuite({
  name: 'embedded',
  create: () => new EmbeddedLog({ dir: freshDir() }),
  applyRetention: (transport) => {
    (transport as EmbeddedLog).enforceRetention();
  },
  consumerDefaults: { sessionTimeoutMs: 3000, heartbeatIntervalMs: 100 },
  rebalanceTimeoutMs: 5000,
});

describe('embedded log', () => {
  test('the log file is in WAL mode with the chosen synchronous level', (t) => {
    for (const [synchronous, level] of [
      ['off', 0],
      ['normal', 1],
      ['full', 2],
    ] as const) {
      const log = openLog(t, { synchronous });
      const db = openDatabase({
        file: log.file,
        synchronous,
        busyTimeoutMs: 1000,
        pageSize: 32_768,
      });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(db.pragma('synchronous', { simple: true }), level);
        assert.equal(db.pragma('page_size', { simple: true }), 32_768);
      } finally {
        db.close();
      }
    }
  });

  test('two producer processes and a consumer here: nothing lost, nothing doubled', async (t) => {
    const log = openLog(t);
    await createTopic(log, 'fleet', 4);
    const perChild = 6000;
    const children = [0, perChild].map((from) =>
      spawnFixture(
        t,
        'producer-child.ts',
        [path.dirname(log.file), 'fleet', String(from), String(perChild), '300'],
        () => {},
      ),
    );
    const consumer = log.createConsumer({ groupId: 'ingest', maxPollMessages: 2000 });
    await consumer.subscribe(['fleet']);
    const got = await pollUntil(consumer, 2 * perChild, { timeoutMs: 30_000, commit: true });
    for (const child of children) assert.equal(await exitOf(child), 0);
    assert.deepEqual(await consumer.poll({ timeoutMs: 100 }), []);
    assert.deepEqual(
      checkStream(got, (seq) => Math.floor(seq / perChild)),
      Array.from({ length: 2 * perChild }, (_, i) => i),
    );
  });

  test('a producer killed mid-stream keeps every acknowledged message whole and the committed offsets', async (t) => {
    const log = openLog(t);
    const dir = path.dirname(log.file);
    await createTopic(log, 'crash', 3);
    const producer = log.createProducer();
    await producer.send(
      'crash',
      Array.from({ length: 300 }, (_, seq) => ({ key: keyOf(seq), value: valueOf(seq) })),
    );
    await producer.close();
    const ingest = log.createConsumer({ groupId: 'ingest' });
    await ingest.subscribe(['crash']);
    assert.equal((await pollUntil(ingest, 300)).length, 300);
    await ingest.commit();
    const committed = await ingest.committed();
    await ingest.close();

    let acked = -1;
    const child = spawnFixture(t, 'producer-child.ts', [dir, 'crash', '300', '0', '40'], (line) => {
      const match = /^acked (\d+)$/.exec(line);
      if (match) acked = Number(match[1]);
      if (acked >= 4000 && child.exitCode === null) child.kill('SIGKILL');
    });
    assert.equal(await exitOf(child), 'SIGKILL');
    assert.ok(acked >= 4000);

    // "Restart": a new transport on the same folder.
    const reopened = new EmbeddedLog({ dir });
    t.after(() => reopened.close());
    const raw = new Database(reopened.file, { readonly: true });
    try {
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      raw.close();
    }
    const audit = reopened.createConsumer({ groupId: 'audit', maxPollMessages: 5000 });
    const admin = reopened.createAdmin();
    t.after(() => admin.close());
    const stored = (await admin.describeTopic('crash')).partitions.reduce(
      (n, p) => n + p.highWatermark,
      0,
    );
    await audit.subscribe(['crash']);
    const seqs = checkStream(await pollUntil(audit, stored, { timeoutMs: 20_000 }));
    // Sends are awaited one by one and each is one transaction: the log holds exactly a
    // prefix, containing every acknowledged message and at most the one unacknowledged send.
    assert.deepEqual(
      seqs,
      Array.from({ length: stored }, (_, i) => i),
    );
    assert.ok(
      stored - 1 >= acked && stored - 1 <= acked + 40,
      `stored ${stored}, acked up to ${acked}`,
    );
    await audit.close();

    const resumed = reopened.createConsumer({ groupId: 'ingest' });
    await resumed.subscribe(['crash']);
    await pollUntil(resumed, 0);
    assert.deepEqual(
      (await resumed.committed([0, 1, 2].map((partition) => ({ topic: 'crash', partition })))).sort(
        (a, b) => a.partition - b.partition,
      ),
      [...committed].sort((a, b) => a.partition - b.partition),
    );
    await resumed.close();

    const restarted = spawnFixture(
      t,
      'producer-child.ts',
      [dir, 'crash', String(stored), '200', '50'],
      () => {},
    );
    assert.equal(await exitOf(restarted), 0);
    const after = reopened.createConsumer({ groupId: 'audit-2', maxPollMessages: 5000 });
    t.after(() => after.close());
    await after.subscribe(['crash']);
    assert.deepEqual(
      checkStream(await pollUntil(after, stored + 200, { timeoutMs: 20_000 })),
      Array.from({ length: stored + 200 }, (_, i) => i),
    );
  });

  test('a member that stops heartbeating loses its partitions after the session timeout', async (t) => {
    const log = openLog(t);
    await createTopic(log, 'lease', 2);
    const sessionTimeoutMs = 600;
    let childOwns = -1;
    const child = spawnFixture(
      t,
      'consumer-child.ts',
      [path.dirname(log.file), 'lease', 'g', String(sessionTimeoutMs)],
      (line) => {
        childOwns = Number(/^owns (\d+)$/.exec(line)?.[1] ?? childOwns);
      },
    );
    const consumer = log.createConsumer({
      groupId: 'g',
      sessionTimeoutMs,
      heartbeatIntervalMs: 100,
    });
    t.after(() => consumer.close());
    await consumer.subscribe(['lease']);
    const deadline = Date.now() + 15_000;
    while (!(consumer.assignment().length === 1 && childOwns === 1) && Date.now() < deadline) {
      await consumer.poll({ timeoutMs: 20 });
    }
    assert.equal(consumer.assignment().length, 1, 'the partitions are split with the child');
    assert.equal(childOwns, 1);

    child.kill('SIGKILL');
    await exitOf(child);
    const killedAt = Date.now();
    while (consumer.assignment().length < 2 && Date.now() < killedAt + 10_000)
      await consumer.poll({ timeoutMs: 20 });
    assert.equal(consumer.assignment().length, 2, 'the survivor owns both partitions');
    assert.ok(Date.now() - killedAt >= sessionTimeoutMs * 0.5, 'not before the lease ran out');
  });

  test('a write lock held by another process surfaces as PITWALL_ERR_LOG_BUSY with canRetry', async (t) => {
    const log = openLog(t, { busyTimeoutMs: 30 });
    await createTopic(log, 'busy', 1);
    const producer = log.createProducer({ retries: 0 });
    t.after(() => producer.close());
    const other = new Database(log.file);
    t.after(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    await assert.rejects(producer.send('busy', [{ value: 'x' }]), (error: unknown) => {
      assert.ok(error instanceof LogError);
      assert.equal(error.code, ERROR_CODES.logBusy);
      assert.equal(error.canRetry, true);
      return true;
    });
    // With retries, the send succeeds once the lock is released.
    const patient = log.createProducer({ retries: 5, retryBackoffMs: 20 });
    t.after(() => patient.close());
    setTimeout(() => other.exec('COMMIT'), 60);
    const [meta] = await patient.send('busy', [{ value: 'y' }]);
    assert.equal(meta?.offset, 0);
  });

  test('retention by age deletes batches appended before the cutoff', async (t) => {
    const log = openLog(t);
    await createTopic(log, 'aged', 2, { retentionMs: 60_000 });
    await createTopic(log, 'forever', 1, { retentionMs: null });
    const producer = log.createProducer();
    t.after(() => producer.close());
    for (let i = 0; i < 3; i++) {
      await producer.send('aged', [{ value: `a${i}`, partition: i % 2 }]);
      await producer.send('forever', [{ value: `f${i}` }]);
    }
    assert.deepEqual(log.enforceRetention().deleted, {});
    const report = log.enforceRetention(Date.now() + 120_000);
    assert.deepEqual(report.deleted, { 'aged-0': 2, 'aged-1': 1 });
    const admin = log.createAdmin();
    t.after(() => admin.close());
    for (const p of (await admin.describeTopic('aged')).partitions) {
      assert.equal(p.logStartOffset, p.highWatermark);
    }
    assert.equal((await admin.describeTopic('forever')).partitions[0]?.logStartOffset, 0);
    const [meta] = await producer.send('aged', [{ value: 'fresh', partition: 0 }]);
    assert.equal(meta?.offset, 2, 'offsets continue after retention');
  });

  test('a consumer follows a topic deleted and made again', async (t) => {
    const log = openLog(t);
    await createTopic(log, 'again', 1);
    const producer = log.createProducer();
    t.after(() => producer.close());
    await producer.send('again', [{ value: 'old' }]);
    const consumer = log.createConsumer({ groupId: 'g' });
    t.after(() => consumer.close());
    await consumer.subscribe(['again']);
    assert.equal((await pollUntil(consumer, 1)).length, 1);
    await consumer.commit();
    const admin = log.createAdmin();
    t.after(() => admin.close());
    await admin.deleteTopic('again');
    await admin.createTopic('again', { partitions: 1 });
    await producer.send('again', [{ value: 'new' }]);
    const got = await pollUntil(consumer, 1);
    assert.deepEqual(
      got.map((m) => [m.offset, m.value.toString()]),
      [[0, 'new']],
    );
  });

  test('a damaged stored batch is reported as PITWALL_ERR_LOG_CORRUPT, not delivered', async (t) => {
    const log = openLog(t);
    await createTopic(log, 'damaged', 1);
    const producer = log.createProducer();
    t.after(() => producer.close());
    await producer.send('damaged', [{ value: 'precious' }]);
    const raw = new Database(log.file);
    try {
      const row = raw.prepare('SELECT records FROM log_1_0').get() as { records: Buffer };
      row.records[row.records.length - 3]! ^= 0x20;
      raw.prepare('UPDATE log_1_0 SET records = ?').run(row.records);
    } finally {
      raw.close();
    }
    const consumer = log.createConsumer({ groupId: 'g' });
    t.after(() => consumer.close());
    await consumer.subscribe(['damaged']);
    await assert.rejects(
      consumer.poll({ timeoutMs: 1000 }),
      (e: { code?: string }) => e.code === ERROR_CODES.logCorrupt,
    );
  });

  test('options are checked where they enter, naming the bad path', (t) => {
    const dir = freshDir();
    const invalid = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: { code?: string; message?: string }) => {
        assert.equal(e.code, ERROR_CODES.logInvalidArgument);
        assert.match(e.message ?? '', pattern);
        return true;
      });
    invalid(
      () => new EmbeddedLog({ dir, bogus: 1 } as never),
      /embedded log options: unknown option "bogus"/,
    );
    invalid(() => new EmbeddedLog({ dir, pageSize: 5000 }), /pageSize must be a power of two/);
    invalid(
      () => new EmbeddedLog({ dir, synchronous: 'fast' as never }),
      /synchronous must be one of off, normal, full/,
    );
    const log = openLog(t);
    invalid(
      () => log.createConsumer({ groupId: 'g', sessionTimeoutMs: -1 }),
      /consumer options\.sessionTimeoutMs/,
    );
    invalid(
      () => log.createConsumer({ groupId: '' }),
      /consumer options\.groupId must not be empty/,
    );
    invalid(
      () => log.createConsumer({ groupId: 'g', sessionTimeoutMs: 100, heartbeatIntervalMs: 100 }),
      /heartbeatIntervalMs \(100\) must be below sessionTimeoutMs/,
    );
    invalid(
      () => log.createProducer({ batchBytes: 0 }),
      /producer options\.batchBytes must be between/,
    );
  });
});
