// `pitwall serve` as a user runs it: prints the URL, answers on loopback, says that there is
// no model yet, and stops cleanly on SIGTERM; bad flags and an open bind fail in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, runMain } from '../cli/helpers.js';
import { tempDir } from './helpers.js';

function serveEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('PITWALL_') || name.startsWith('MLFLOW_')) delete env[name];
  }
  return {
    ...env,
    PITWALL_HOME: home,
    MLFLOW_TRACKING_URI: path.join(home, 'mlruns'),
    ...extra,
  };
}

function runServe(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

test('pitwall serve --port 0 prints its URL, serves, reports no model, stops on SIGTERM', async (t) => {
  const home = await tempDir(t, 'serve');
  const child = runServe(['--port', '0'], serveEnv(home));
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  const deadline = Date.now() + 30_000;
  while (!/model (missing|error|ready)/.test(stderr) && Date.now() < deadline) {
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = stdout.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `stdout: ${stdout} stderr: ${stderr}`);
  assert.match(
    stderr,
    /serve: cockpit at http:\/\/127\.0\.0\.1:\d+ \(lake .*lake, model models:\/driving-style@production/,
  );
  assert.match(stderr, /serve: model missing: no model at models:\/driving-style@production yet/);
  const health = await fetch(`${url}/api/health`);
  assert.equal(health.status, 200);
  const setup = (await (await fetch(`${url}/api/setup`)).json()) as { model: { state: string } };
  assert.equal(setup.model.state, 'missing');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /serve: stopping \(SIGTERM\)\nserve: stopped\n$/);
});

test('pitwall serve refuses bad flags and an open bind without a token, in one line', async (t) => {
  const home = await tempDir(t, 'serve');
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--port', '70000'], {}, /--port must be an integer between 0 and 65535 \(got "70000"\)/],
    [['--fleet-speed', 'fast'], {}, /--fleet-speed must be a number between 0.1 and 100/],
    [['--host', '0.0.0.0', '--port', '0'], {}, /binds 0\.0\.0\.0, not loopback: set PITWALL_TOKEN/],
    [
      [],
      { PITWALL_HOST: '0.0.0.0' },
      /PITWALL_HOST is 0\.0\.0\.0, not loopback: set PITWALL_TOKEN/,
    ],
  ];
  for (const [args, extra, message] of cases) {
    const result = await runMain(['serve', ...args], { env: serveEnv(home, extra) });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  }
});
