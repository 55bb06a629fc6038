// The data-docs hook: renders a recorded run (and the runs before it) from the results
// table into `<lake>/dq/docs` with the HTML writer of ./docs.
import path from 'node:path';
import type { DuckDbEngine } from '../../lake/index.js';
import { writeDataDocs } from './docs/index.js';
import { DQ_DOCS_DIR, readRuns } from './results.js';

/** Earlier runs shown with a run (trends, index). */
export const DOCS_HISTORY = 50;

export function dataDocsDir(lakeRoot: string): string {
  return path.join(lakeRoot, DQ_DOCS_DIR);
}

export interface DocsPaths {
  readonly runPage: string;
  readonly indexPage: string;
}

/**
 * Writes the data docs of run `runId` (default: the newest recorded run) with up to 50
 * earlier runs as history. Undefined when the results table holds no such run.
 */
export async function writeRunDocs(
  lakeRoot: string,
  engine: DuckDbEngine,
  runId?: string,
): Promise<DocsPaths | undefined> {
  // The run is nearly always the newest; an older one needs a longer read.
  let runs = await readRuns(lakeRoot, engine, { limit: DOCS_HISTORY + 1 });
  let at = runId === undefined ? 0 : runs.findIndex((run) => run.runId === runId);
  if (at < 0 && runs.length === DOCS_HISTORY + 1) {
    runs = await readRuns(lakeRoot, engine, { limit: Number.MAX_SAFE_INTEGER });
    at = runs.findIndex((run) => run.runId === runId);
  }
  const current = runs[at];
  if (at < 0 || current === undefined) return undefined;
  return writeDataDocs({
    outDir: dataDocsDir(lakeRoot),
    current,
    history: runs.slice(at + 1, at + 1 + DOCS_HISTORY),
  });
}
