// Runs the CLI from source in a child process, as a user would, and collects its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `pitwall …args` from source; the caller owns the child. */
export function spawnCli(args: readonly string[], withStdin = false): ChildProcess {
  const env = { ...process.env };
  delete env['PITWALL_DEBUG'];
  // Tests pass Kafka settings as flags; a broker configured in the shell must not leak in.
  for (const name of Object.keys(env)) if (name.startsWith('PITWALL_KAFKA_')) delete env[name];
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: ROOT,
    env,
    stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcess, timeoutMs = 20_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pitwall did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `pitwall …args` to the end. */
export function runCli(args: readonly string[], timeoutMs?: number): Promise<CliResult> {
  return collect(spawnCli(args), timeoutMs);
}

/** Runs `pitwall …args` with `input` on its stdin. */
export function runCliWithInput(
  args: readonly string[],
  input: string | Buffer,
): Promise<CliResult> {
  const child = spawnCli(args, true);
  child.stdin!.end(input);
  return collect(child);
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A failed run: the given status, nothing on stdout, one `pitwall: …` line on stderr, no stack. */
export function assertOneLineError(result: CliResult, code: number, pattern?: RegExp): void {
  assert.equal(result.code, code, `exit status; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = result.stderr.split('\n');
  assert.equal(lines.pop(), '', 'stderr ends with a newline');
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${result.stderr}`);
  assert.match(lines[0]!, /^pitwall: \S/);
  assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+|Error:/, 'no stack trace');
  if (pattern) assert.match(lines[0]!, pattern);
}

/** Parses NDJSON text into objects, failing on any line that is not JSON. */
export function parseNdjson(text: string): Record<string, unknown>[] {
  assert.ok(text.endsWith('\n'), 'NDJSON ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, k) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`line ${k + 1} is not JSON: ${line.slice(0, 120)}`);
      }
    });
}

/** A stream that keeps what is written to it. */
class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

export interface CaptureOptions {
  readonly env?: Record<string, string | undefined>;
  /** Pretend stderr is a terminal (progress lines are drawn only there). */
  readonly stderrIsTTY?: boolean;
}

/** Streams that keep what is written to them, for running `main` in-process. */
export function captureIo(options: CaptureOptions = {}): {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
} {
  const stdout = new TextSink();
  const stderr = new TextSink();
  return {
    io: { stdout, stderr, stderrIsTTY: options.stderrIsTTY ?? false, env: options.env ?? {} },
    stdout: () => stdout.text,
    stderr: () => stderr.text,
  };
}

/**
 * Runs `pitwall …args` in this process with captured streams: for the many small cases
 * where a child process would only add a second of start-up.
 */
export async function runMain(
  args: readonly string[],
  options: CaptureOptions = {},
): Promise<CliResult> {
  const captured = captureIo(options);
  const code = await main([...args], captured.io);
  return { code, signal: null, stdout: captured.stdout(), stderr: captured.stderr() };
}
