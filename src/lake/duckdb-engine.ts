// One DuckDB in-memory instance for a table's Parquet work, created on first use.
// Every operation gets its own connection, closed in `finally`.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LakeError, PitwallError } from '../errors.js';

export interface DuckDbEngineOptions {
  /** DuckDB worker threads; DuckDB's default (all cores) when unset. */
  readonly threads?: number;
  /** DuckDB memory limit such as '1GB'; DuckDB's default when unset. */
  readonly memoryLimit?: string;
}

/**
 * A lazily started in-memory DuckDB. Share one between tables to save the start-up cost
 * (about 25 ms); close it when done.
 *
 * @example
 * const engine = new DuckDbEngine();
 * try {
 *   const n = await engine.withConnection(async (c) => (await c.runAndReadAll('select 42')).getRows());
 * } finally {
 *   engine.close();
 * }
 */
export class DuckDbEngine {
  private instance: Promise<DuckDBInstance> | undefined;
  private closed = false;

  constructor(private readonly options: DuckDbEngineOptions = {}) {}

  /** Runs `work` on a fresh connection and closes the connection afterwards. */
  async withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    let connection: DuckDBConnection | undefined;
    try {
      connection = await (await this.start()).connect();
      // Timestamps are exchanged as UTC microseconds; a UTC session keeps any text
      // rendering DuckDB does (casts, partition values, messages) in the same zone.
      await connection.run("SET TimeZone = 'UTC'");
      return await work(connection);
    } catch (error) {
      if (error instanceof PitwallError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new LakeError(`DuckDB failed: ${reason.split('\n')[0] ?? reason}`, { cause: error });
    } finally {
      connection?.closeSync();
    }
  }

  private start(): Promise<DuckDBInstance> {
    if (this.closed) {
      return Promise.reject(new LakeError('the DuckDB engine was used after close()'));
    }
    if (this.instance === undefined) {
      const settings: Record<string, string> = {};
      if (this.options.threads !== undefined) settings.threads = String(this.options.threads);
      if (this.options.memoryLimit !== undefined) settings.memory_limit = this.options.memoryLimit;
      this.instance = DuckDBInstance.create(':memory:', settings);
      // A failed start is reported to the caller; the next call tries again.
      this.instance.catch(() => {
        this.instance = undefined;
      });
    }
    return this.instance;
  }

  /** Releases the DuckDB instance. Idempotent. */
  close(): void {
    this.closed = true;
    const pending = this.instance;
    this.instance = undefined;
    pending?.then(
      (instance) => instance.closeSync(),
      () => undefined,
    );
  }
}
