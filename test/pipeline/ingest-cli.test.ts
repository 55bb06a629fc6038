// `pitwall ingest` and `pitwall lake stats` from the command line: option checks, one-line
// errors, an available-now run, graceful stop on SIGTERM, and the stats table.
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertOneLineError, collect, runMain, spawnCli } from '../cli/helpers.js';
import { produceJson, workspace } from './helpers.js';

describe('pitwall ingest options', () => {
  const cases: [string[], RegExp][] = [
    [['--source', 'kafkaa'], /--source must be one of local, kafka/],
    [['--max-batch-records', '0'], /--max-batch-records must be an integer between 1 and/],
    [['--max-batch-ms', 'soon'], /--max-batch-ms must be an integer/],
    [['--metrics-port', '70000'], /--metrics-port must be an integer between 0 and 65535/],
    [['--topic', 'bad topic'], /--topic must be letters/],
    [['--group', ''], /--group must be letters/],
    [['--brokers', 'localhost:9092'], /--brokers needs --source kafka/],
    [['--source', 'kafka', '--log-dir', 'x'], /--log-dir needs --source local/],
    [['--source', 'kafka'], /Kafka needs brokers/],
    [['--metrics-host', '0.0.0.0'], /--metrics-host needs --metrics-port/],
    [['--lake', ' '], /--lake must be a path/],
    [['--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, pattern] of cases) {
    test(`refuses ${args.join(' ')}`, async () => {
      assertOneLineError(await runMain(['ingest', ...args]), 2, pattern);
    });
  }

  test('a missing embedded log is a one-line failure', async (t) => {
    const ws = await workspace(t);
    const result = await runMain([
      'ingest',
      '--log-dir',
      path.join(ws.dir, 'nope'),
      '--lake',
      ws.lake,
    ]);
    assertOneLineError(result, 1, /no embedded log in .*nope/);
  });

  test('an unwritable lake is a one-line failure', async (t) => {
    const ws = await workspace(t);
    const file = path.join(ws.dir, 'a-file');
    await writeFile(file, 'not a folder');
    const result = await runMain([
      'ingest',
      '--log-dir',
      ws.logDir,
      '--lake',
      path.join(file, 'lake'),
      '--available-now',
    ]);
    assertOneLineError(result, 1);
  });
});

describe('pitwall ingest and lake stats', () => {
  test('--available-now ingests, writes the metrics file and exits 0; lake stats shows the table', async (t) => {
    const ws = await workspace(t, 2);
    await produceJson(ws.log, 0, 2500, 2);
    const metricsFile = path.join(ws.dir, 'bronze.prom');
    const result = await runMain([
      'ingest',
      '--log-dir',
      ws.logDir,
      '--lake',
      ws.lake,
      '--available-now',
      '--max-batch-records',
      '1000',
      '--metrics-file',
      metricsFile,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /ingest: done \(available now\): 2,500 records in 3 commits/);
    assert.match(await readFile(metricsFile, 'utf8'), /^pitwall_bronze_records_total 2500$/m);

    const stats = await runMain(['lake', 'stats', '--lake', ws.lake]);
    assert.equal(stats.code, 0, stats.stderr);
    const lines = stats.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^table\s+version\s+files\s+rows\s+size$/);
    assert.match(lines[2]!, /^bronze\/telemetry\s+3\s+3\s+2,500\s+\d/);

    const json = await runMain(['lake', 'stats', '--lake', ws.lake, '--json']);
    const parsed = JSON.parse(json.stdout) as {
      tables: { table: string; version: number; files: number; rows: number }[];
    };
    assert.deepEqual(
      parsed.tables.map(({ table, version, files, rows }) => ({ table, version, files, rows })),
      [{ table: 'bronze/telemetry', version: 3, files: 3, rows: 2500 }],
    );
    // Quiet runs print nothing.
    const quiet = await runMain([
      'ingest',
      '--log-dir',
      ws.logDir,
      '--lake',
      ws.lake,
      '--available-now',
      '--quiet',
    ]);
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
  });

  test('lake stats: a missing lake is a one-line failure; an empty one says so', async (t) => {
    const ws = await workspace(t);
    assertOneLineError(
      await runMain(['lake', 'stats', '--lake', path.join(ws.dir, 'none')]),
      1,
      /no lake at/,
    );
    const empty = await runMain(['lake', 'stats', '--lake', ws.logDir]);
    assert.equal(empty.code, 0);
    assert.match(empty.stdout, /^no Delta tables under /);
  });

  test('SIGTERM commits the batch in hand, leaves the group and exits 0', async (t) => {
    const ws = await workspace(t, 2);
    await produceJson(ws.log, 0, 1000, 2);
    const child = spawnCli([
      'ingest',
      '--log-dir',
      ws.logDir,
      '--lake',
      ws.lake,
      '--max-batch-ms',
      '60000',
      '--metrics-port',
      '0',
    ]);
    const done = collect(child, 30_000);
    // Wait until the metrics endpoint shows the batch buffered (lag is computed per second).
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (Date.now() < deadline && url === undefined) {
      url = /metrics at (http:\S+)/.exec(seen)?.[1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(url, `metrics URL printed: ${seen}`);
    while (Date.now() < deadline) {
      const text = await (await fetch(url)).text();
      if (/^pitwall_bronze_assigned_partitions 2$/m.test(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGTERM');
    const result = await done;
    if (child.exitCode === null) await once(child, 'exit');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /stopped by SIGTERM: 1,000 records in 1 commits/);
    const admin = ws.log.createAdmin();
    const group = await admin.describeGroup('pitwall-bronze');
    await admin.close();
    assert.equal(group.members.length, 0, 'left the group');
    assert.deepEqual(group.offsets.map((o) => o.offset).sort(), [500, 500]);
  });
});
