// How simulate ends when it is cut short: the reader of stdout goes away, or Ctrl-C.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventSchemaProblem } from '../../src/telemetry/validate.js';
import { collect, parseNdjson, spawnCli, tempDir } from './helpers.js';

describe('pitwall simulate cut short', { concurrency: 2 }, () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  test('stops quietly with exit 0 when stdout is closed (| head)', async () => {
    // An hour of 50 vehicles would run for minutes: only the closed pipe ends it early.
    const child = spawnCli(['simulate', '--vehicles', '50', '--duration', '1h', '--out', '-']);
    const done = collect(child, 15_000);
    child.stdout!.once('data', () => child.stdout!.destroy());
    const result = await done;
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '', 'no error and no summary');
  });

  test('Ctrl-C in real time finishes the batch in hand, closes the file, exits 130', async () => {
    const out = path.join(dir, 'live.ndjson');
    const child = spawnCli([
      'simulate',
      '--realtime',
      '--vehicles',
      '2',
      '--duration',
      '10m',
      '--out',
      out,
    ]);
    const done = collect(child, 20_000);
    // Wait for the first events to land, then interrupt.
    for (let waited = 0; waited < 15_000; waited += 100) {
      const size = await stat(out).then(
        (s) => s.size,
        () => 0,
      );
      if (size > 0) break;
      await sleep(100);
    }
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 130, result.stderr);
    assert.match(
      result.stderr,
      /^stopped by SIGINT after \d+ events; .*live\.ndjson holds whole lines but unfinished sessions\n$/,
    );
    const events = parseNdjson(await readFile(out, 'utf8'));
    for (const event of events) assert.equal(eventSchemaProblem(event), undefined);
    // Real time is stamped with the wall clock, not the fixed default start.
    const first = events[0] as { event_time: string };
    assert.ok(Math.abs(Date.parse(first.event_time) - Date.now()) < 5 * 60_000);
  });
});
