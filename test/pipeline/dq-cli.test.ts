// `pitwall dq run|results|docs` and the gate in `pitwall pipeline run`, as a user runs them:
// summaries on stdout, one-line errors, exit 1 when a critical expectation fails.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import type { DqRun } from '../../src/pipeline/dq/model.js';
import { assertOneLineError, runMain } from '../cli/helpers.js';
import {
  readSilver,
  sessionStart,
  telemetryEvent,
  tempLake,
  writeBronze,
} from './silver-support.js';

const CRITICAL = {
  expectation_suite_name: 'strict',
  meta: { table: 'silver/telemetry', key_columns: ['session_id', 'seq'] },
  expectations: [
    {
      expectation_type: 'expect_table_row_count_to_be_between',
      kwargs: { max_value: 2 },
      meta: { id: 'tiny', severity: 'critical' },
    },
  ],
};

async function suites(dir: string, document: object): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'suite.yml'), stringify(document));
  return dir;
}

describe('pitwall dq', () => {
  test('pipeline run stops on a critical failure: exit 1, one line, nothing committed', async (t) => {
    const lake = await tempLake(t);
    await writeBronze(lake, [sessionStart(), ...[1, 2, 3, 4].map((seq) => telemetryEvent(seq))]);
    const dir = await suites(path.join(path.dirname(lake), 'strict'), CRITICAL);
    const stopped = await runMain([
      'pipeline',
      'run',
      ...['--lake', lake, '--expectations', dir, '--quiet'],
    ]);
    assertOneLineError(
      stopped,
      1,
      /^pitwall: silver: critical expectation strict\/tiny failed on silver\/telemetry: expected row count <= 2, observed 4; this run committed nothing of bronze v-1\.\.v1 to the silver tables; results: pitwall dq results --run [0-9a-f-]{36}; data docs: .+index\.html$/,
    );
    assert.deepEqual(await readSilver(lake, 'telemetry'), []);
    const results = await runMain(['dq', 'results', '--lake', lake, '--json']);
    assert.equal(results.code, 0, results.stderr);
    const recorded = JSON.parse(results.stdout) as DqRun;
    assert.equal(recorded.stopped, true);
    assert.deepEqual(
      recorded.outcomes.map((o) => [o.id, o.success, o.observed]),
      [['tiny', false, 4]],
    );
    assertOneLineError(
      await runMain(['pipeline', 'run', '--lake', lake, '--expectations', path.join(dir, 'none')]),
      1,
      /cannot read the expectation suites folder .+none: no such folder/,
    );

    // The shipped suites let it through; the summary counts expectations and names the docs.
    const run = await runMain(['pipeline', 'run', '--lake', lake, '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^silver\s+5\s+4\s+0\s+0\s+\d+\/20\s/m);
    assert.match(run.stdout, /^gold\s+4\s+1\s+0\s+0\s+\d+\/16\s/m);
    const docs = /^data docs: (.+)$/m.exec(run.stdout)?.[1];
    assert.ok(docs !== undefined && existsSync(docs), 'the data docs index exists');
    const json = await runMain(['pipeline', 'run', '--lake', lake, '--json', '--quiet']);
    const summary = JSON.parse(json.stdout) as { dataDocs: string | null; layers: unknown[] };
    assert.equal(summary.dataDocs, null, 'nothing new: no expectations ran, no docs written');
  });

  test('dq run, results and docs over the current tables', async (t) => {
    const lake = await tempLake(t);
    await writeBronze(lake, [sessionStart(), ...[1, 2, 3].map((seq) => telemetryEvent(seq))]);
    assert.equal((await runMain(['pipeline', 'run', '--lake', lake, '--quiet'])).code, 0);

    const run = await runMain(['dq', 'run', '--lake', lake]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.match(lines[0]!, /^run [0-9a-f-]{36} started \S+Z: \d+ passed, \d+ failed$/);
    assert.match(
      lines[1]!,
      /^suite\s+expectation\s+severity\s+result\s+unexpected\s+quarantined\s+observed\s+expected$/,
    );
    assert.match(run.stdout, /^silver_telemetry\s+session_seq_unique\s+critical\s+pass\s/m);
    // Bronze was received on 2026-01-01 (the test clock): freshness fails, as a warning.
    assert.match(run.stdout, /^silver_telemetry\s+ingest_fresh\s+warning\s+FAIL\s/m);
    assert.match(run.stdout, /^data docs: .+index\.html$/m);
    assert.match(
      run.stderr,
      /^dq: silver_telemetry: silver\/telemetry v1, \d+ passed, 1 failed in /m,
    );
    const runId = /^run (\S+)/.exec(lines[0]!)![1]!;

    const one = await runMain([
      'dq',
      'run',
      '--lake',
      lake,
      '--suite',
      'silver_sessions',
      '--json',
      '--quiet',
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stderr, '');
    const sessions = JSON.parse(one.stdout) as DqRun & { dataDocs: string };
    assert.deepEqual([...new Set(sessions.outcomes.map((o) => o.suite))], ['silver_sessions']);
    assert.ok(sessions.outcomes.every((o) => o.success && o.tableVersion === 1));
    assert.ok(existsSync(sessions.dataDocs));

    // results: the latest run by default, any run by id.
    const latest = JSON.parse(
      (await runMain(['dq', 'results', '--lake', lake, '--json'])).stdout,
    ) as DqRun;
    assert.equal(latest.runId, sessions.runId);
    const earlier = await runMain(['dq', 'results', '--lake', lake, '--run', runId]);
    assert.equal(earlier.code, 0, earlier.stderr);
    assert.match(earlier.stdout, new RegExp(`^run ${runId} `));
    assert.match(earlier.stdout, /gold_features\s+one_row_per_session_second\s+critical\s+pass/);

    const docs = await runMain(['dq', 'docs', '--lake', lake]);
    assert.equal(docs.code, 0, docs.stderr);
    const index = docs.stdout.trim();
    assert.ok(index.endsWith('index.html'));
    assert.match(await readFile(index, 'utf8'), new RegExp(sessions.runId));

    // A critical failure: the table still prints, then one error line and exit 1.
    const dir = await suites(path.join(path.dirname(lake), 'strict'), CRITICAL);
    const failed = await runMain(['dq', 'run', '--lake', lake, '--expectations', dir, '--quiet']);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^strict\s+tiny\s+critical\s+FAIL\s+-\s+0\s+3\s+row count <= 2$/m);
    assert.equal(
      failed.stderr,
      'pitwall: dq run: critical expectation strict/tiny failed on silver/telemetry: expected row count <= 2, observed 3\n',
    );
  });

  test('dq commands refuse bad input in one line', async (t) => {
    const lake = await tempLake(t);
    assertOneLineError(await runMain(['dq', 'run', '--lake', lake]), 1, /^pitwall: no lake at /);
    await writeBronze(lake, [telemetryEvent(1)]);
    assertOneLineError(
      await runMain(['dq', 'run', '--lake', lake, '--suite', 'nope']),
      2,
      /--suite must be one of silver_telemetry, silver_sessions, gold_features \(got "nope"\)/,
    );
    assertOneLineError(
      await runMain(['dq', 'run', '--lake', lake, '--quiet']),
      1,
      /no table to check under .+: silver\/telemetry, silver\/sessions, gold\/features do not exist yet/,
    );
    assertOneLineError(
      await runMain(['dq', 'results', '--lake', lake]),
      1,
      /no data-quality results in .+dq\/results \(run: pitwall dq run or pitwall pipeline run\)/,
    );
    assertOneLineError(await runMain(['dq', 'docs', '--lake', lake]), 1, /no data-quality results/);
    assertOneLineError(
      await runMain(['dq', 'results', '--lake', lake, '--run', 'x y']),
      2,
      /--run must be a run id/,
    );
  });
});
