// Simulator output end to end: simulate → embedded log → ingest → `pitwall pipeline run
// --layers silver`; every bronze row is accounted for, sessions match the simulator's
// summaries, and the CLI prints its summary table and refuses bad options in one line.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assertOneLineError, runMain } from '../cli/helpers.js';
import { readSilver } from './silver-support.js';

describe('pitwall pipeline run', () => {
  test('refuses bad options in one line', async () => {
    assertOneLineError(
      await runMain(['pipeline', 'run', '--layers', 'bronze']),
      2,
      /--layers must be a comma-separated list of silver, gold/,
    );
    assertOneLineError(
      await runMain(['pipeline', 'run', '--lake', '/nonexistent/pitwall-lake']),
      1,
      /no lake at/,
    );
  });

  test('simulate, ingest, silver: every event accounted for', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-silver-e2e-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const logDir = path.join(dir, 'log');
    const lake = path.join(dir, 'lake');
    const simulate = await runMain([
      'simulate',
      ...['--vehicles', '3', '--duration', '40s', '--session-duration', '20s'],
      ...['--faults', 'heavy', '--sink', 'local', '--log-dir', logDir, '--quiet'],
    ]);
    assert.equal(simulate.code, 0, simulate.stderr);
    const ingest = await runMain([
      'ingest',
      ...['--log-dir', logDir, '--lake', lake, '--available-now', '--quiet'],
    ]);
    assert.equal(ingest.code, 0, ingest.stderr);

    const run = await runMain(['pipeline', 'run', '--layers', 'silver', '--lake', lake]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      /^layer\s+rows in\s+rows out\s+quarantined\s+duplicates\s+expectations\s+time\s+note$/,
    );
    assert.match(
      lines[2]!,
      /^silver\s+[\d,]+\s+[\d,]+\s+0\s+[\d,]+\s+[\d,]+\/[\d,]+\s+\S+s\s+bronze v-1\.\.v\d+/,
    );
    // The data-quality gate ran (expectations passed/total) and wrote its data docs.
    assert.match(run.stdout, /^data docs: .+index\.html$/m);
    assert.match(run.stderr, /silver: done in/);

    const json = await runMain([
      'pipeline',
      'run',
      ...['--layers', 'silver', '--lake', lake, '--json', '--quiet'],
    ]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, '');
    const summary = JSON.parse(json.stdout) as { layers: { upToDate: boolean }[] };
    assert.equal(summary.layers[0]!.upToDate, true, 'a second run finds nothing new');

    const sessions = await readSilver(lake, 'sessions', 'session_id');
    const events = await readSilver(lake, 'sessionEvents');
    assert.equal(sessions.length, 6, '3 vehicles × 2 sessions');
    assert.equal(events.length, 12, 'a start and an end per session');
    for (const session of sessions) {
      assert.ok(typeof session.driver_profile === 'string');
      assert.notEqual(session.ended_at, null);
      // The simulator counts what it emitted once; silver keeps each of those once.
      assert.equal(session.telemetry_events, session.samples_emitted);
    }
    const duplicates = await readSilver(lake, 'duplicates');
    const duplicateTotal = sessions.reduce((sum, s) => sum + Number(s.duplicate_events), 0);
    assert.equal(duplicates.length, duplicateTotal);
    assert.ok(duplicateTotal > 0, 'heavy faults duplicate some events');
  });
});
