// The demo at small scale: every layer populated, the counts reconcile, a model registered,
// a second run reuses everything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openRegistry } from '../../src/ml/registry/index.js';
import { spawn } from 'node:child_process';
import { ROOT, collect, runCli, tempDir } from './helpers.js';

function spawnDemo(args: readonly string[], home: string, mlruns: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PITWALL_HOME: home,
    MLFLOW_TRACKING_URI: mlruns,
  };
  for (const name of Object.keys(env)) if (name.startsWith('PITWALL_KAFKA_')) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'demo', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return child;
}

function demo(args: readonly string[], home: string, mlruns: string) {
  return collect(spawnDemo(args, home, mlruns), 240_000);
}

interface DemoJson {
  stages: { stage: string; reused: boolean }[];
  events: number;
  sessions: number;
  tables: { table: string; rows: number }[];
  quarantined: number;
  duplicates: number;
  model: { name: string; version: number; alias: string; uri: string; macroF1: number };
}

describe('pitwall demo', () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());
  const small = [
    '--vehicles',
    '8',
    '--duration',
    '4m',
    '--session',
    '2m',
    '--trees',
    '20',
    '--no-serve',
    '--json',
  ];

  test('runs the lifecycle into every layer, registers the model, and reuses it all on a second run', async () => {
    const home = path.join(dir, 'home');
    const mlruns = path.join(dir, 'mlruns');
    const first = await demo(small, home, mlruns);
    assert.equal(first.code, 0, first.stderr);
    const result = JSON.parse(first.stdout) as DemoJson;
    assert.deepEqual(
      result.stages.map((s) => s.stage),
      ['simulate', 'ingest', 'pipeline', 'dataset', 'train'],
    );
    assert.ok(result.stages.every((s) => !s.reused));
    assert.equal(result.sessions, 16);
    const rows = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
    for (const table of [
      'bronze/telemetry',
      'silver/telemetry',
      'silver/sessions',
      'gold/features',
    ]) {
      assert.ok((rows[table] ?? 0) > 0, `${table} is empty`);
    }
    assert.equal(rows['bronze/telemetry'], result.events, 'every event reached bronze once');
    assert.equal(
      (rows['silver/telemetry'] ?? 0) +
        (rows['silver/session_events'] ?? 0) +
        (rows['silver/quarantine'] ?? 0) +
        (rows['silver/duplicates'] ?? 0),
      rows['bronze/telemetry'],
      'every bronze row is in exactly one silver place',
    );
    assert.equal(rows['silver/sessions'], 16);
    assert.equal(result.model.uri, 'models:/driving-style@production');
    const registry = await openRegistry({ trackingUri: mlruns });
    try {
      const version = await registry.getVersionByAlias('driving-style', 'production');
      assert.equal(version.version, result.model.version);
    } finally {
      registry.close();
    }

    const second = await demo(small, home, mlruns);
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as DemoJson;
    assert.ok(
      again.stages.every((s) => s.reused),
      JSON.stringify(again.stages),
    );
    assert.deepEqual(again.tables, result.tables, 'nothing redone or doubled');
    assert.equal(again.model.version, result.model.version);

    // The registered model scores unseen telemetry through the live engine.
    const unseen = path.join(dir, 'unseen.ndjson');
    const sim = await runCli([
      'simulate',
      '--vehicles',
      '4',
      '--duration',
      '2m',
      '--seed',
      '999',
      '--out',
      unseen,
      '--quiet',
    ]);
    assert.equal(sim.code, 0, sim.stderr);
    const evaluated = await runCli([
      'evaluate',
      '--model',
      'models:/driving-style@production',
      '--telemetry',
      unseen,
      '--tracking-uri',
      mlruns,
      '--json',
    ]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const scored = JSON.parse(evaluated.stdout) as {
      predictions: number;
      sessions: number;
      metrics: { accuracy: number; confusion: { matrix: number[][] } };
    };
    assert.equal(scored.sessions, 4);
    assert.ok(scored.predictions >= 4 * 100, `${scored.predictions} verdicts`);
    const total = scored.metrics.confusion.matrix.flat().reduce((a, b) => a + b, 0);
    assert.equal(total, scored.predictions);

    // Without --no-serve, the cockpit answers on the printed URL with the registered model.
    const child = spawnDemo(
      ['--vehicles', '8', '--duration', '4m', '--session', '2m', '--trees', '20', '--port', '0'],
      home,
      mlruns,
    );
    const exited = collect(child, 240_000);
    let text = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const found = /^(http:\/\/127\.0\.0\.1:\d+)\/?$/m.exec(text);
        if (found?.[1] !== undefined) resolve(found[1]);
      });
      child.on('exit', () => reject(new Error(`demo exited before serving: ${text}`)));
    });
    const health = await fetch(`${url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const page = await fetch(url);
    assert.equal(page.status, 200);
    child.kill('SIGTERM');
    const end = await exited;
    assert.equal(end.code, 0, end.stderr);
  });

  test('refuses another fleet in the same home without --fresh, and validates options', async () => {
    const bad = await runCli(['demo', '--vehicles', '0', '--no-serve']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--vehicles must be an integer between 1 and 1000/);
    const hz = await runCli(['demo', '--hz', '5', '--no-serve']);
    assert.equal(hz.code, 2);
  });
});
