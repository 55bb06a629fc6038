// Trees built on worker threads. Each worker gets the training set once (bin codes, labels
// and weights in SharedArrayBuffers, so no copy per worker) and then builds one tree per
// message; the main thread hands the next tree to whichever worker finishes first. A tree
// depends only on its seed, so the forest is the same for any number of workers.
//
// The worker entry is worker.js next to this module in dist/. Running from TypeScript
// sources (tests, benchmarks under `node --import tsx`), Node's worker loader does not
// apply tsx's hooks to the worker, so the worker starts as a small module that loads
// worker.ts through tsx's `tsImport`.
import { Worker } from 'node:worker_threads';
import { MlError } from '../../errors.js';
import type { TrainingSet, TreeArrays, TreeSettings } from './tree-builder.js';

export interface WorkerInit {
  readonly set: TrainingSet;
  readonly settings: TreeSettings;
}

export interface TreeTask {
  readonly tree: number;
  readonly seed: number;
}

export type WorkerReply =
  | { readonly tree: number; readonly arrays: TreeArrays }
  | { readonly tree: number; readonly error: string };

/** Starts a tree worker, from worker.js (built) or worker.ts (sources under tsx). */
export function startTreeWorker(init: WorkerInit): Worker {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.ts')) {
    return new Worker(new URL('./worker.js', here), { workerData: init });
  }
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch (error) {
    throw new MlError(
      'worker threads need tsx to load TypeScript sources: install tsx, use nJobs: 1, or run the built package',
      { cause: error },
    );
  }
  const entry = new URL('./worker.ts', here).href;
  const bootstrap = `
    const { tsImport } = await import(${JSON.stringify(tsxApi)});
    await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here.href)});
  `;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), {
    workerData: init,
  });
}

/**
 * Builds `seeds.length` trees on `jobs` workers; `onTree` sees each tree as it arrives
 * (in completion order). Resolves with the trees in seed order.
 */
export async function buildTreesInWorkers(
  init: WorkerInit,
  seeds: readonly number[],
  jobs: number,
  onTree?: (tree: number, arrays: TreeArrays) => void,
): Promise<TreeArrays[]> {
  const trees: (TreeArrays | undefined)[] = new Array<TreeArrays | undefined>(seeds.length);
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const assign = (worker: Worker): void => {
        if (next >= seeds.length) return;
        const task: TreeTask = { tree: next, seed: seeds[next]! };
        next++;
        worker.postMessage(task);
      };
      for (let k = 0; k < Math.min(jobs, seeds.length); k++) {
        const worker = startTreeWorker(init);
        workers.push(worker);
        worker.on('message', (reply: WorkerReply) => {
          if (failed) return;
          if ('error' in reply) {
            fail(new MlError(`building tree ${reply.tree} failed: ${reply.error}`));
            return;
          }
          trees[reply.tree] = reply.arrays;
          done++;
          onTree?.(reply.tree, reply.arrays);
          if (done === seeds.length) resolve();
          else assign(worker);
        });
        worker.on('error', (error) => {
          fail(new MlError(`a tree worker failed: ${error.message}`, { cause: error }));
        });
        worker.on('exit', (code) => {
          if (done < seeds.length) fail(new MlError(`a tree worker exited early (code ${code})`));
        });
        assign(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return trees as TreeArrays[];
}
