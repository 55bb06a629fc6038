// The Delta peers (delta-rs and Spark) as one long-lived Python process per test file:
// scripts/interop/delta_peer.py `serve`, one JSON request per line on stdin, one response
// per request on stdout. Spark starts on the first Spark request and then stays up.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CanonicalRow } from './canonical.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PEER_SCRIPT = path.join(REPO_ROOT, 'scripts/interop/delta_peer.py');
const RESPONSE_PREFIX = '@@pitwall-interop ';
const INSTALL_HINT =
  'run `npm run interop:install` (Python 3.10+, Java 17+, network to PyPI and Maven Central) first';

/** `.cache/interop/env.json`, written by scripts/interop/install.sh. */
export interface InteropEnv {
  readonly python: string;
  readonly versions: Readonly<Record<string, string | null>>;
  readonly java: string;
  readonly jars: readonly string[];
}

export type PeerEngine = 'delta-rs' | 'spark';
export const PEER_ENGINES: readonly PeerEngine[] = ['delta-rs', 'spark'];

export interface PeerField {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

/** One data file as delta-rs sees it, statistics parsed (values in canonical form). */
export interface PeerFile {
  readonly path: string;
  readonly size: number | null;
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly stats: {
    readonly numRecords: number | null;
    readonly min?: Readonly<Record<string, unknown>>;
    readonly max?: Readonly<Record<string, unknown>>;
    readonly nullCount?: Readonly<Record<string, number | null>>;
  };
}

/** What one engine read from one table version. */
export interface PeerRead {
  readonly engine: PeerEngine;
  readonly version: number;
  readonly schema: readonly PeerField[];
  readonly partitionColumns: readonly string[];
  readonly numFiles: number;
  /** delta-rs only: the active files with their parsed statistics. */
  readonly files?: readonly PeerFile[];
  readonly numRows: number;
  readonly rows: readonly CanonicalRow[];
}

/** A table for a peer to write (reverse direction); rows in canonical form. */
export interface PeerWrite {
  readonly engine: PeerEngine;
  readonly path: string;
  readonly schema: readonly { name: string; type: string; nullable?: boolean }[];
  readonly rows: readonly CanonicalRow[];
  readonly mode?: 'append' | 'overwrite' | 'error';
  readonly partitionBy?: readonly string[];
  readonly configuration?: Readonly<Record<string, string>>;
  /** Spark only: the Parquet timestamp encoding, default Spark's own (INT96). */
  readonly timestampType?: 'INT96' | 'TIMESTAMP_MICROS';
}

/** The interop environment, or why it is missing. Read once per test file. */
export function loadInteropEnv(): { env: InteropEnv } | { missing: string } {
  const dir = process.env.PITWALL_INTEROP_DIR ?? path.join(REPO_ROOT, '.cache/interop');
  const file = path.join(dir, 'env.json');
  if (!existsSync(file)) {
    return { missing: `the interop peers are not installed (no ${file}): ${INSTALL_HINT}` };
  }
  try {
    const env = JSON.parse(readFileSync(file, 'utf8')) as InteropEnv;
    const gone = [env.python, ...env.jars].find((entry) => !existsSync(entry));
    if (gone !== undefined) {
      return { missing: `the interop install is incomplete (${gone} is gone): ${INSTALL_HINT}` };
    }
    return { env };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { missing: `${file} is unreadable (${reason}): ${INSTALL_HINT}` };
  }
}

const interop = loadInteropEnv();

/**
 * For `describe(name, { skip: skipUnlessInterop }, …)`: the reason to skip when the peers are
 * missing on a developer's machine, and false under CI=true, where `DeltaPeer.start()` then
 * fails every test with the same reason (a peer suite must never pass by skipping in CI).
 */
export const skipUnlessInterop: string | false =
  'missing' in interop && process.env.CI !== 'true' ? interop.missing : false;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A running `delta_peer.py serve`. Requests are answered in order; each has a time limit.
 *
 * @example
 * const peer = await DeltaPeer.start();
 * try {
 *   const read = await peer.read('spark', '/tmp/table', { version: 3 });
 * } finally {
 *   await peer.close();
 * }
 */
export class DeltaPeer {
  readonly env: InteropEnv;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private exited: Error | undefined;

  private constructor(env: InteropEnv) {
    this.env = env;
    this.child = spawn(env.python, [PEER_SCRIPT, 'serve', '--jars', env.jars.join(',')], {
      cwd: REPO_ROOT,
      // UTC everywhere, so no engine converts instants through a local zone.
      env: { ...process.env, TZ: 'UTC', PYSPARK_PYTHON: env.python, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-6000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.child.on('error', (error) => this.fail(error));
    this.child.on('exit', (code, signal) => {
      this.fail(
        new Error(
          `delta_peer.py exited (${signal ?? `code ${String(code)}`}); its stderr ends:\n${this.stderrTail}`,
        ),
      );
    });
  }

  /** Starts the peer process (Spark itself starts on the first Spark request). */
  static async start(): Promise<DeltaPeer> {
    if ('missing' in interop) throw new Error(interop.missing);
    const peer = new DeltaPeer(interop.env);
    // The process announces itself with a response of id 0 once Python has loaded.
    await peer.waitFor(0, 60_000);
    return peer;
  }

  /**
   * Reads a table (the latest version, or `version`) with one engine; `where` is an SQL
   * condition (Spark SQL for Spark, DataFusion SQL for delta-rs) that engines evaluate with
   * file pruning by partition values and statistics.
   */
  read(
    engine: PeerEngine,
    location: string,
    options: { version?: number; where?: string } = {},
  ): Promise<PeerRead> {
    return this.request({
      op: 'read',
      engine,
      path: location,
      version: options.version ?? null,
      where: options.where ?? null,
    });
  }

  /** delta-rs's view of an application transaction's last version. */
  async txnVersion(location: string, appId: string): Promise<number | null> {
    const result = await this.request<{ version: number | null }>({
      op: 'txnVersion',
      engine: 'delta-rs',
      path: location,
      appId,
    });
    return result.version;
  }

  /** Writes rows into a table with a peer; returns the committed version. */
  async write(write: PeerWrite): Promise<number> {
    return (await this.request<{ version: number }>({ op: 'write', ...write })).version;
  }

  /** delta-rs: deletes the rows matching a predicate (rewrites files; remove + add actions). */
  async delete(location: string, predicate: string): Promise<number> {
    const result = await this.request<{ version: number }>({
      op: 'delete',
      engine: 'delta-rs',
      path: location,
      predicate,
    });
    return result.version;
  }

  /** delta-rs: writes a checkpoint of the latest version. */
  async checkpoint(location: string): Promise<number> {
    const result = await this.request<{ version: number }>({
      op: 'checkpoint',
      engine: 'delta-rs',
      path: location,
    });
    return result.version;
  }

  /** Stops Spark and the process; kills it if it does not exit within 30 s. */
  async close(): Promise<void> {
    if (this.exited !== undefined) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await done;
    clearTimeout(timer);
  }

  private request<T>(body: Record<string, unknown>, timeoutMs = 300_000): Promise<T> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    const id = this.nextId++;
    const answer = this.waitFor(id, timeoutMs) as Promise<T>;
    this.child.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    return answer;
  }

  private waitFor(id: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`delta_peer.py gave no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  private onLine(line: string): void {
    if (!line.startsWith(RESPONSE_PREFIX)) return; // Spark's JVM may print here too
    const message = JSON.parse(line.slice(RESPONSE_PREFIX.length)) as {
      id: number | null;
      ok: boolean;
      result?: unknown;
      error?: string;
      trace?: string;
    };
    const id = message.id ?? 0;
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else
      pending.reject(new Error(`delta_peer.py: ${message.error ?? '?'}\n${message.trace ?? ''}`));
  }

  private fail(error: Error): void {
    this.exited ??= error;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }
}
