// The lake page's data: every Delta table's version and row count (from the tables' logs,
// through `lakeStats`) and whether a data-docs report exists to link to. Cached briefly so
// a page left open does not reopen every table each second.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isPitwallError } from '../errors.js';
import type { LakeView } from './protocol.js';

/** Where data docs are written under the lake root; served read-only at `DATA_DOCS_URL`. */
export const DATA_DOCS_DIR = path.join('dq', 'docs');
export const DATA_DOCS_URL = '/data-docs/';
const CACHE_MS = 3000;

export class LakeInfo {
  readonly root: string;
  #cached: { atMs: number; view: Promise<LakeView> } | undefined;

  constructor(root: string) {
    this.root = root;
  }

  get dataDocsDir(): string {
    return path.resolve(this.root, DATA_DOCS_DIR);
  }

  view(nowMs = Date.now()): Promise<LakeView> {
    if (this.#cached === undefined || nowMs - this.#cached.atMs > CACHE_MS) {
      this.#cached = { atMs: nowMs, view: this.#read() };
    }
    return this.#cached.view;
  }

  async #read(): Promise<LakeView> {
    const dataDocs = await this.#dataDocs();
    try {
      // DuckDB loads on the first look at the lake, not with the server.
      const { lakeStats } = await import('../pipeline/lake-stats.js');
      const tables = await lakeStats(this.root);
      return {
        root: this.root,
        tables,
        dataDocs,
        ...(tables.length === 0
          ? { message: `no Delta tables under ${this.root} yet (run: pitwall pipeline run)` }
          : {}),
      };
    } catch (error) {
      // A missing lake is the normal state of a fresh install; anything else is reported too.
      if (!isPitwallError(error)) this.#cached = undefined;
      return {
        root: this.root,
        tables: [],
        dataDocs,
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }

  async #dataDocs(): Promise<LakeView['dataDocs']> {
    try {
      const info = await stat(path.join(this.dataDocsDir, 'index.html'));
      return { url: `${DATA_DOCS_URL}index.html`, updatedAtMs: Math.round(info.mtimeMs) };
    } catch {
      return null;
    }
  }
}
