import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseNdjson, runCli, tempDir } from './helpers.js';

describe('pitwall demo', () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  test('simulates a mixed fleet into a new folder and counts events per driver profile', async () => {
    const out = path.join(dir, 'nested', 'folder', 'telemetry.ndjson');
    const result = await runCli([
      'demo',
      '--vehicles',
      '4',
      '--duration',
      '20s',
      '--seed',
      '5',
      '--out',
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');

    const events = parseNdjson(await readFile(out, 'utf8')) as {
      session_id: string;
      event_type: string;
      session?: { driver_profile: string };
    }[];
    // Count per profile from the file itself and compare with what demo printed.
    const profileOf = new Map<string, string>();
    for (const e of events) if (e.session) profileOf.set(e.session_id, e.session.driver_profile);
    const counts = new Map<string, number>();
    for (const e of events) {
      const profile = profileOf.get(e.session_id)!;
      counts.set(profile, (counts.get(profile) ?? 0) + 1);
    }
    // A mixed fleet of four vehicles has one of each profile.
    assert.deepEqual([...counts.keys()].sort(), ['aggressive', 'cautious', 'eco', 'normal']);

    assert.match(result.stdout, /^Pitwall demo: 4 vehicles .* 20s simulated, seed 5\n/);
    assert.ok(
      result.stdout.includes(
        `Wrote ${events.length.toLocaleString('en-US')} events (4 sessions) to ${out}`,
      ),
    );
    for (const [profile, count] of counts) {
      assert.match(
        result.stdout,
        new RegExp(`^${profile}\\s+1\\s+${count.toLocaleString('en-US')}$`, 'm'),
      );
    }
  });
});
