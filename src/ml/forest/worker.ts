// Worker-thread entry of the tree pool: builds the trees the main thread asks for, one
// message per tree, and sends each back with its buffers transferred. The binned rows,
// labels and weights arrive once, in shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import { TreeBuilder } from './tree-builder.js';
import type { TreeTask, WorkerInit, WorkerReply } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('worker.ts runs only as a worker thread');
const init = workerData as WorkerInit;
const builder = new TreeBuilder(init.set, init.settings);

port.on('message', (task: TreeTask) => {
  let reply: WorkerReply;
  try {
    const tree = builder.build(task.seed);
    reply = { tree: task.tree, arrays: tree };
    const buffers = [
      tree.threshold,
      tree.child,
      tree.featureWord,
      tree.leafValues,
      tree.importances,
    ];
    port.postMessage(
      reply,
      buffers.map((array) => array.buffer as ArrayBuffer),
    );
  } catch (error) {
    reply = { tree: task.tree, error: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
});
