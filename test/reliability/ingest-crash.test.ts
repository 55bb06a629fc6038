// Bronze exactly-once under SIGKILL: a producer process streams ≥ 1,000,000 messages (with
// hostile ones) while `pitwall ingest` processes are killed at random moments and restarted;
// after a final --available-now drain, every (topic, partition, offset) is in bronze exactly
// once with the bytes produced. Runs on the embedded log, and on Kafka when KAFKA_BROKERS is set.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { DuckDBBlobValue } from '@duckdb/node-api';
import { DuckDbEngine, scanSql } from '../../src/lake/index.js';
import { openBronzeTable } from '../../src/pipeline/bronze/index.js';
import { messageIndex, valueOf } from './fixtures/messages.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PRODUCER = path.join(ROOT, 'test/reliability/fixtures/producer.ts');
const COUNT = Number(process.env['PITWALL_RELIABILITY_EVENTS'] ?? 1_000_000);
const PARTITIONS = 4;

interface Transport {
  readonly name: string;
  /** Producer arguments: source and where. */
  readonly producer: readonly [string, string];
  /** `pitwall ingest` arguments selecting the log. */
  readonly ingest: readonly string[];
}

/**
 * The transports to test: the embedded log always, Kafka at KAFKA_BROKERS. Without a
 * broker the Kafka runs skip locally and fail when CI=true.
 */
function transportOf(name: 'embedded log' | 'kafka', dir: string): Transport | string {
  if (name === 'embedded log') {
    return {
      name,
      producer: ['local', path.join(dir, 'log')],
      ingest: ['--source', 'local', '--log-dir', path.join(dir, 'log')],
    };
  }
  const brokers = process.env['KAFKA_BROKERS'];
  if (brokers === undefined || brokers === '') {
    return 'KAFKA_BROKERS is not set (start a broker with `eval "$(npm run -s kafka:start)"; export KAFKA_BROKERS`)';
  }
  return {
    name,
    producer: ['kafka', brokers],
    ingest: ['--source', 'kafka', '--brokers', brokers],
  };
}

function spawnNode(t: TestContext, args: readonly string[]): ChildProcess {
  const env = { ...process.env };
  delete env['PITWALL_DEBUG'];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  child.stdout?.resume();
  Object.defineProperty(child, 'stderrTail', { get: () => stderr });
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (min: number, max: number) => min + Math.random() * (max - min);

function ingestArgs(
  transport: Transport,
  lake: string,
  group: string,
  topic: string,
  extra: string[] = [],
): string[] {
  return [
    'src/cli/run.ts',
    'ingest',
    ...transport.ingest,
    '--topic',
    topic,
    '--group',
    group,
    '--lake',
    lake,
    '--max-batch-records',
    '50000',
    '--max-batch-ms',
    '500',
    '--session-timeout-ms',
    '1500',
    '--quiet',
    ...extra,
  ];
}

/** Starts ingest processes and kills them at random moments until `kills` are done. */
async function killLoop(
  t: TestContext,
  transport: Transport,
  lake: string,
  group: string,
  topic: string,
  members: number,
  kills: number,
): Promise<void> {
  const running: (ChildProcess | undefined)[] = new Array<ChildProcess | undefined>(members);
  let done = 0;
  while (done < kills) {
    for (let m = 0; m < members; m++) {
      const child = running[m];
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
        if (child !== undefined && child.exitCode !== null && child.exitCode !== 0) {
          assert.fail(
            `ingest exited with ${child.exitCode}: ${(child as unknown as { stderrTail: string }).stderrTail}`,
          );
        }
        running[m] = spawnNode(t, ingestArgs(transport, lake, group, topic));
      }
    }
    // Random moments: during start-up, mid-batch, during a commit.
    await sleep(random(800, 3500));
    const victim = running[Math.floor(Math.random() * members)]!;
    victim.kill('SIGKILL');
    await exitOf(victim);
    done++;
  }
  for (const child of running) {
    if (child !== undefined) {
      child.kill('SIGKILL');
      await exitOf(child);
    }
  }
}

async function verify(lake: string, topic: string, produced: number): Promise<void> {
  const table = await openBronzeTable(lake);
  const engine = new DuckDbEngine({ threads: 2 });
  try {
    const snapshot = await table.snapshot();
    await engine.withConnection(async (c) => {
      const scan = `(${scanSql(snapshot)}) WHERE topic = '${topic}'`;
      const [counts] = (
        await c.runAndReadAll(
          `SELECT count(*)::DOUBLE, count(DISTINCT ("partition", "offset"))::DOUBLE FROM (SELECT * FROM ${scan})`,
        )
      ).getRows();
      assert.deepEqual(counts?.map(Number), [produced, produced], 'count = distinct = produced');
      const [classes] = (
        await c.runAndReadAll(
          `SELECT count(*) FILTER (value_class = 'not_json')::DOUBLE, count(*) FILTER (value_class = 'empty')::DOUBLE FROM (SELECT * FROM ${scan})`,
        )
      ).getRows();
      assert.ok(Number(classes?.[0]) > 0 && Number(classes?.[1]) > 0, 'hostile values are in');
      // Bytes of a sample, including the hostile ones and the 1 MiB value.
      const sample = (
        await c.runAndReadAll(
          `SELECT "partition", "offset", value FROM (SELECT * FROM ${scan}) USING SAMPLE 2000 ROWS
           UNION ALL SELECT "partition", "offset", value FROM (SELECT * FROM ${scan}) WHERE "offset" * ${PARTITIONS} + "partition" IN (7, 11, 13, 17, 12345)`,
        )
      ).getRows();
      assert.ok(sample.length >= 2000);
      for (const [partition, offset, value] of sample) {
        const i = messageIndex(Number(partition), Number(offset), PARTITIONS);
        const bytes = Buffer.from((value as DuckDBBlobValue).bytes);
        assert.ok(bytes.equals(valueOf(i)), `value of message ${i} intact`);
      }
    });
  } finally {
    engine.close();
    table.close();
  }
}

for (const mode of [
  { name: 'one ingest process killed 10 times', members: 1, kills: 10 },
  { name: 'two ingest processes in one group, killed 8 times', members: 2, kills: 8 },
]) {
  describe(`bronze exactly-once: ${mode.name}`, () => {
    for (const transportName of ['embedded log', 'kafka'] as const) {
      test(
        `${transportName}: every (topic, partition, offset) exactly once after SIGKILLs and a drain`,
        { timeout: 600_000 },
        async (t) => {
          const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-reliability-'));
          t.after(() => rm(dir, { recursive: true, force: true }));
          const transport = transportOf(transportName, dir);
          if (typeof transport === 'string') {
            if (process.env['CI'] === 'true') assert.fail(transport);
            t.skip(transport);
            return;
          }
          const topic = `reliability-${mode.members}-${Date.now()}`;
          const group = `bronze-${topic}`;
          const lake = path.join(dir, `lake-${transport.producer[0]}`);
          const producer = spawnNode(t, [
            PRODUCER,
            ...transport.producer,
            topic,
            String(PARTITIONS),
            String(COUNT),
          ]);
          // Let the topic exist before the first ingest subscribes.
          await sleep(1500);
          await killLoop(t, transport, lake, group, topic, mode.members, mode.kills);
          assert.equal(await exitOf(producer), 0, 'the producer finished');
          const drain = spawnNode(
            t,
            ingestArgs(transport, lake, group, topic, ['--available-now']),
          );
          assert.equal(
            await exitOf(drain),
            0,
            (drain as unknown as { stderrTail: string }).stderrTail,
          );
          await verify(lake, topic, COUNT);
        },
      );
    }
  });
}
