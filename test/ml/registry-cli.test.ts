// `pitwall models list|promote` against a file store made by the API: once as a child
// process, as a user runs it, the other cases in-process (no second of start-up each).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRegistry } from '../../src/ml/registry/index.js';
import { openTracking } from '../../src/ml/tracking/index.js';
import { assertOneLineError, runCli, runMain, tempDir } from '../cli/helpers.js';

describe('pitwall models', () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  let root = '';
  let runIds: string[] = [];
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    root = path.join(dir, 'mlruns');
    const env = {};
    const tracking = await openTracking({ trackingUri: root, env });
    const registry = await openRegistry({ trackingUri: root, env });
    const modelFile = path.join(dir, 'forest.json');
    await writeFile(modelFile, '{}');
    runIds = [];
    for (let i = 0; i < 2; i++) {
      const run = await tracking.startRun({ experimentName: 'cli' });
      const logged = await run.logModel({ modelFile, formatVersion: 1 });
      await run.end();
      await registry.createModelVersion({
        name: 'driving-style',
        source: logged.source,
        runId: run.runId,
      });
      runIds.push(run.runId);
    }
    await registry.setAlias('driving-style', 'production', 1);
  });
  after(() => cleanup());

  test('list: a table of versions with aliases and runs, or JSON', async () => {
    const table = await runCli(['models', 'list', '--tracking-uri', root]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^model\s+version\s+aliases\s+run\s+created \(UTC\)$/);
    assert.match(lines[2]!, new RegExp(`^driving-style\\s+2\\s+${runIds[1]!}`));
    assert.match(lines[3]!, new RegExp(`^driving-style\\s+1\\s+production\\s+${runIds[0]!}`));

    const json = await runMain(['models', 'list', '--json', '--tracking-uri', `file://${root}`]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as {
      trackingUri: string;
      models: {
        name: string;
        latestVersion: number;
        aliases: Record<string, number>;
        versions: { version: number; runId: string }[];
      }[];
    };
    assert.equal(parsed.trackingUri, `file://${root}`);
    assert.deepEqual(
      parsed.models.map((m) => [m.name, m.latestVersion, m.aliases]),
      [['driving-style', 2, { production: 1 }]],
    );
    assert.deepEqual(
      parsed.models[0]!.versions.map((v) => [v.version, v.runId]),
      [
        [2, runIds[1]],
        [1, runIds[0]],
      ],
    );

    const none = await runMain(['models', 'list', '--tracking-uri', path.join(dir, 'no-store')]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^no registered models \(no tracking store at .*no-store\)\n$/);
  });

  test('promote moves the alias and says where it was', async () => {
    const result = await runMain([
      'models',
      'promote',
      'driving-style',
      '2',
      '--alias',
      'production',
      '--tracking-uri',
      root,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'driving-style@production -> version 2 (was version 1)\n');
    assert.equal(
      await readFile(path.join(root, 'models', 'driving-style', 'aliases', 'production'), 'utf8'),
      '2',
    );
  });

  test('promote: typing mistakes exit 2, a missing version exits 1, each with one line', async () => {
    assertOneLineError(
      await runMain([
        'models',
        'promote',
        'driving-style',
        'two',
        '--alias',
        'production',
        '--tracking-uri',
        root,
      ]),
      2,
      /version must be a positive integer \(got "two"\)/,
    );
    assertOneLineError(
      await runMain([
        'models',
        'promote',
        'driving-style',
        '9',
        '--alias',
        'production',
        '--tracking-uri',
        root,
      ]),
      1,
      /has no version 9/,
    );
    assertOneLineError(
      await runMain(['models', 'promote', 'driving-style', '1', '--tracking-uri', root]),
      2,
      /--alias/,
    );
    assertOneLineError(
      await runMain(['models', 'list', '--tracking-uri', 'sqlite:///mlflow.db']),
      2,
      /--tracking-uri: .*sqlite: .*mlflow server/,
    );
  });
});
