import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SETTINGS, describeSettings, loadSettings } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { ROOT, runMain } from '../cli/helpers.js';
import { withDotenv } from '../../src/cli/settings.js';

const load = (env: Record<string, string>) => loadSettings({ env, envFile: false });

function rejects(env: Record<string, string>, pattern: RegExp): ConfigError {
  try {
    load(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
    return error;
  }
  assert.fail(`settings ${JSON.stringify(env)} were accepted`);
}

describe('settings', () => {
  it('resolves defaults with nothing set', () => {
    const { settings } = load({});
    assert.equal(settings.home, '.pitwall');
    assert.equal(settings.log.kind, 'local');
    assert.equal(settings.log.dir, path.join('.pitwall', 'log'));
    assert.equal(settings.log.topic, 'telemetry');
    assert.equal(settings.log.kafka, undefined);
    assert.equal(settings.lake.root, path.join('.pitwall', 'lake'));
    assert.equal(settings.mlflow.trackingUri, './mlruns');
    assert.deepEqual(settings.server, { host: '127.0.0.1', port: 8080 });
  });

  it('derives folders from PITWALL_HOME and reads every kind of setting', () => {
    const { settings } = load({
      PITWALL_HOME: '/data/pw',
      PITWALL_LOG: 'kafka',
      PITWALL_KAFKA_BROKERS: 'a:9092,b:9093',
      PITWALL_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      PITWALL_KAFKA_SASL_USERNAME: 'u',
      PITWALL_KAFKA_SASL_PASSWORD: 'p',
      PITWALL_LAKE: 'file:///srv/lake',
      MLFLOW_TRACKING_URI: 'https://mlflow.example.com',
      MLFLOW_TRACKING_TOKEN: 'tok',
      PITWALL_HOST: '0.0.0.0',
      PITWALL_PORT: '0',
      PITWALL_TOKEN: 'a-long-enough-token',
    });
    assert.equal(settings.log.dir, path.join('/data/pw', 'log'));
    assert.deepEqual(settings.log.kafka?.brokers, ['a:9092', 'b:9093']);
    assert.equal(settings.log.kafka?.sasl?.mechanism, 'SCRAM-SHA-256');
    assert.deepEqual(settings.lake, { uri: 'file:///srv/lake', root: '/srv/lake' });
    assert.equal(settings.mlflow.token, 'tok');
    assert.deepEqual(settings.server, { host: '0.0.0.0', port: 0, token: 'a-long-enough-token' });
  });

  it('gives a one-line error naming the variable for every bad value', () => {
    // Blank values count as unset (they take the default), so they are not errors.
    assert.equal(load({ PITWALL_HOME: '   ' }).settings.home, '.pitwall');
    const cases: [Record<string, string>, RegExp][] = [
      [{ PITWALL_LOG: 'redis' }, /^PITWALL_LOG must be local or kafka \(got "redis"\)$/],
      [{ PITWALL_TOPIC: 'bad topic' }, /^PITWALL_TOPIC must be a topic name/],
      [{ PITWALL_PORT: 'eighty' }, /^PITWALL_PORT must be an integer between 0 and 65535/],
      [{ PITWALL_PORT: '70000' }, /^PITWALL_PORT must be an integer between 0 and 65535/],
      [{ PITWALL_PORT: '-1' }, /^PITWALL_PORT must be/],
      [{ PITWALL_HOST: 'not a host!' }, /^PITWALL_HOST must be a host name or IP address/],
      [{ PITWALL_HOST: '0.0.0.0' }, /PITWALL_HOST is 0\.0\.0\.0, not loopback: set PITWALL_TOKEN/],
      [{ PITWALL_LAKE: 's3://bucket/lake' }, /^PITWALL_LAKE: s3:\/\/ lakes are not supported yet/],
      [
        { PITWALL_LAKE: 'abfss://c@acct.dfs.core.windows.net/lake' },
        /abfss:\/\/ lakes are not supported yet/,
      ],
      [{ PITWALL_LAKE: 'file://relative/lake' }, /must be file:\/\/\/absolute\/path/],
      [{ PITWALL_LAKE: 'ftp://x/y' }, /PITWALL_LAKE must be a folder path or a file:\/\/ URI/],
      [
        { MLFLOW_TRACKING_URI: 'ftp://x' },
        /^MLFLOW_TRACKING_URI must be a folder path, a file:\/\/ URI or an http\(s\):\/\/ URL/,
      ],
      [{ MLFLOW_TRACKING_URI: 'http://' }, /^MLFLOW_TRACKING_URI is not a valid URL/],
      [{ MLFLOW_TRACKING_USERNAME: 'me' }, /must be set together/],
      [{ PITWALL_LOG: 'kafka' }, /brokers/],
      [{ PITWALL_KAFKA_BROKERS: 'nope' }, /not host:port/],
      [{ PITWALL_KAFKA_TLS: 'maybe' }, /^PITWALL_KAFKA_TLS must be true or false/],
      [{ PITWALL_KAFKA_REPLICATION_FACTOR: 'three' }, /^PITWALL_KAFKA_REPLICATION_FACTOR must be/],
      [{ PITWALL_KAFKA_BROKERS: 'a:1', PITWALL_KAFKA_SASL_MECHANISM: 'MD5' }, /SASL|MD5/],
      [{ PITWALL_KAFKA_BROKERS: 'a:1', PITWALL_KAFKA_COMPRESSION: 'brotli' }, /brotli/],
    ];
    for (const [env, pattern] of cases) rejects(env, pattern);
  });

  it('never echoes a secret', () => {
    const error = rejects({ PITWALL_TOKEN: 'short secret' }, /^PITWALL_TOKEN must be at least 16/);
    assert.ok(!error.message.includes('short secret'));
    assert.match(error.message, /value hidden/);
    const loaded = load({
      PITWALL_TOKEN: 'super-secret-token-1',
      MLFLOW_TRACKING_PASSWORD: 'pw',
      MLFLOW_TRACKING_USERNAME: 'u',
    });
    const shown = JSON.stringify(describeSettings(loaded));
    assert.ok(!shown.includes('super-secret-token-1') && !shown.includes('"pw"'));
  });

  it('reads .env, lets the environment win, and rejects unknown Pitwall names in it', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-config-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, '.env'),
      '# local\nPITWALL_PORT=9000\nPITWALL_LAKE="/from/file"\n',
    );
    const loaded = loadSettings({ env: { PITWALL_PORT: '9100' }, cwd: dir });
    assert.equal(loaded.settings.server.port, 9100);
    assert.equal(loaded.settings.lake.root, '/from/file');
    assert.equal(loaded.sources['PITWALL_LAKE'], '.env');
    assert.equal(loaded.sources['PITWALL_PORT'], 'env');
    await writeFile(path.join(dir, '.env'), 'PITWALL_PORT=abc\n');
    assert.throws(
      () => loadSettings({ env: {}, cwd: dir }),
      /^ConfigError: PITWALL_PORT \(from \.env\) must be/,
    );
    await writeFile(path.join(dir, '.env'), 'PITWALL_LAKE_DIR=/x\n');
    assert.throws(() => loadSettings({ env: {}, cwd: dir }), /unknown setting PITWALL_LAKE_DIR/);
    assert.throws(
      () => loadSettings({ env: {}, envFile: path.join(dir, 'missing.env') }),
      /no settings file at/,
    );
  });

  it('.env.example documents every setting', () => {
    const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    for (const spec of SETTINGS)
      assert.match(example, new RegExp(`^# ?${spec.name}=`, 'm'), `${spec.name} missing`);
    const parsed = loadSettings({ env: {}, envFile: path.join(ROOT, '.env.example') });
    assert.equal(parsed.settings.server.port, 8080, 'the example, as shipped, is valid');
  });

  it('pitwall config show masks secrets and config check exits 2 on a bad value', async () => {
    const shown = await runMain(['config', 'show', '--json'], {
      env: { PITWALL_TOKEN: 'abcdefghijklmnopq' },
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(!shown.stdout.includes('abcdefghijklmnopq'));
    const bad = await runMain(['config', 'check'], { env: { PITWALL_PORT: 'x' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /PITWALL_PORT must be an integer between 0 and 65535 \(got "x"\)/);
    const ok = await runMain(['config', 'check'], { env: {} });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /settings ok.*log local.*server 127\.0\.0\.1:8080/);
  });

  it('commands take their defaults from the settings, and .env reaches them', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-config-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const stats = await runMain(['lake', 'stats', '--json'], { env: { PITWALL_LAKE: dir } });
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal((JSON.parse(stats.stdout) as { lake: string }).lake, dir);
    const bad = await runMain(['pipeline', 'run'], { env: { PITWALL_LAKE: 's3://bucket/lake' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /PITWALL_LAKE: s3:\/\/ lakes are not supported yet/);
    await writeFile(path.join(dir, '.env'), 'PITWALL_LAKE=/from/dotenv\nPITWALL_PORT=9001\n');
    const merged = withDotenv({ PITWALL_PORT: '9002' }, dir);
    assert.deepEqual(merged, { PITWALL_LAKE: '/from/dotenv', PITWALL_PORT: '9002' });
    assert.deepEqual(withDotenv({ A: '1' }, path.join(dir, 'none')), { A: '1' });
  });
});
