// Data docs: static HTML pages of data-quality runs that open from the file system with no
// server (inline CSS and SVG, no script). `writeDataDocs` publishes them; the render
// functions are pure, for tests and for other outputs.
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { IoError, PipelineError } from '../../../errors.js';
import type { DqRun } from '../model.js';
import { writeFileAtomic } from './atomic-write.js';
import { isSafeRunId, MAX_HISTORY, runPagePath } from './layout.js';
import { renderRunPage } from './run-page.js';
import { renderIndexPage } from './index-page.js';

export { renderRunPage } from './run-page.js';
export { renderIndexPage } from './index-page.js';
export { isSafeRunId, MAX_HISTORY, runPagePath } from './layout.js';
export { writeFileAtomic } from './atomic-write.js';

export interface DataDocsOptions {
  /** Folder of the docs, e.g. `<lake>/dq/docs`; created when missing. */
  readonly outDir: string;
  /** The run just finished. */
  readonly current: DqRun;
  /** Earlier runs, newest first; the first {@link MAX_HISTORY} are used. */
  readonly history: readonly DqRun[];
}

export interface DataDocsPaths {
  /** Absolute path of `<outDir>/runs/<runId>.html`. */
  readonly runPage: string;
  /** Absolute path of `<outDir>/index.html`. */
  readonly indexPage: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the page of `current` and rewrites the index over `current` and `history`. Every
 * write is atomic (temporary file, then rename), the run page before the index so the index
 * never links to a page not yet there; an earlier run whose page is missing (a cleared
 * folder) gets it written from the history given. Same input, same bytes.
 *
 * @throws PipelineError when `current.runId` is not a UUID (it names the page file).
 * @throws IoError when a page cannot be written.
 * @example
 * const { indexPage } = await writeDataDocs({ outDir: 'lake/dq/docs', current: run, history });
 * console.log(`data docs: ${pathToFileURL(indexPage).href}`);
 */
export async function writeDataDocs(options: DataDocsOptions): Promise<DataDocsPaths> {
  const { outDir, current } = options;
  if (typeof outDir !== 'string' || outDir.trim() === '') {
    throw new PipelineError('data docs: outDir must be a folder path');
  }
  if (!isSafeRunId(current.runId)) {
    const shown = JSON.stringify(String(current.runId).slice(0, 80));
    throw new PipelineError(
      `data docs: run id ${shown} is not a UUID (8-4-4-4-12 hexadecimal digits); it names the run page`,
    );
  }
  const history = options.history.filter((r) => r.runId !== current.runId).slice(0, MAX_HISTORY);
  const root = path.resolve(outDir);
  const runsDir = path.join(root, 'runs');
  try {
    await mkdir(runsDir, { recursive: true });
  } catch (error) {
    throw new IoError(`data docs: cannot create the folder ${runsDir}`, { cause: error });
  }

  const runPage = path.join(root, runPagePath(current.runId) as string);
  await writeFileAtomic(runPage, renderRunPage(current, history));
  for (let i = 0; i < history.length; i += 1) {
    const run = history[i] as DqRun;
    const relative = runPagePath(run.runId);
    if (relative === undefined) continue; // listed in the index without a link
    const file = path.join(root, relative);
    if (!(await exists(file)))
      await writeFileAtomic(file, renderRunPage(run, history.slice(i + 1)));
  }
  const indexPage = path.join(root, 'index.html');
  await writeFileAtomic(indexPage, renderIndexPage([current, ...history]));
  return { runPage, indexPage };
}
