// A trained forest as flat typed arrays, and prediction over it.
//
// Nodes of every tree sit in one buffer of 16-byte records, so a visit touches one cache
// line: bytes 0–7 the threshold (float64), 8–11 the left child's index (the right child is
// the next record) or −(leaf + 1), 12–15 feature × 2 + (1 when missing goes left). Children
// are allocated in pairs, so both candidates for the next step share a cache line. Leaves
// hold class probabilities (float32, `nClasses` per leaf).
import type { TreeArrays } from './tree-builder.js';
import { matrixStrides, type FeatureMatrix } from './matrix.js';

/** Bytes per node record. */
export const NODE_BYTES = 16;

export interface FlatForest {
  readonly nClasses: number;
  readonly nFeatures: number;
  /** Index of each tree's root record. */
  readonly treeRoot: Int32Array;
  /** Node records, `nodeCount × NODE_BYTES` bytes. */
  readonly nodes: ArrayBuffer;
  /** Views of `nodes`: the threshold of node n at `nodeF64[2n]`, child and feature word at `nodeI32[4n + 2]`, `[4n + 3]`. */
  readonly nodeF64: Float64Array;
  readonly nodeI32: Int32Array;
  readonly leafValues: Float32Array;
}

/** A flat forest over existing buffers (as read from a model file). */
export function flatForest(
  nClasses: number,
  nFeatures: number,
  treeRoot: Int32Array,
  nodes: ArrayBuffer,
  leafValues: Float32Array,
): FlatForest {
  return {
    nClasses,
    nFeatures,
    treeRoot,
    nodes,
    nodeF64: new Float64Array(nodes),
    nodeI32: new Int32Array(nodes),
    leafValues,
  };
}

/** Concatenates trees into one flat forest (child and leaf indices made global). */
export function flattenTrees(
  trees: readonly TreeArrays[],
  nClasses: number,
  nFeatures: number,
): FlatForest {
  let nodeTotal = 0;
  let leafTotal = 0;
  for (const t of trees) {
    nodeTotal += t.nodeCount;
    leafTotal += t.leafCount;
  }
  const nodes = new ArrayBuffer(nodeTotal * NODE_BYTES);
  const f64 = new Float64Array(nodes);
  const i32 = new Int32Array(nodes);
  const leafValues = new Float32Array(leafTotal * nClasses);
  const treeRoot = new Int32Array(trees.length);
  let nodeOffset = 0;
  let leafOffset = 0;
  trees.forEach((t, k) => {
    treeRoot[k] = nodeOffset;
    for (let n = 0; n < t.nodeCount; n++) {
      const g = nodeOffset + n;
      const child = t.child[n]!;
      f64[2 * g] = t.threshold[n]!;
      i32[4 * g + 2] = child >= 0 ? child + nodeOffset : child - leafOffset;
      i32[4 * g + 3] = t.featureWord[n]!;
    }
    leafValues.set(t.leafValues, leafOffset * nClasses);
    nodeOffset += t.nodeCount;
    leafOffset += t.leafCount;
  });
  return flatForest(nClasses, nFeatures, treeRoot, nodes, leafValues);
}

/** Rows handled together per tree: the tree's top nodes stay in cache across the block. */
const ROW_BLOCK = 256;

/**
 * Sums the leaf probabilities of every tree for rows `from … to` of `X` into `out`
 * (`(to − from) × nClasses`, row-major, overwritten), then divides by the tree count.
 */
export function predictProbaRange(
  forest: FlatForest,
  X: FeatureMatrix,
  from: number,
  to: number,
  out: Float64Array,
): void {
  const { nClasses: C, treeRoot, leafValues, nodeF64: thr, nodeI32: word } = forest;
  const data = X.data;
  const { rowStride, colStride } = matrixStrides(X);
  out.fill(0, 0, (to - from) * C);
  const nTrees = treeRoot.length;
  for (let blockStart = from; blockStart < to; blockStart += ROW_BLOCK) {
    const blockEnd = Math.min(to, blockStart + ROW_BLOCK);
    for (let t = 0; t < nTrees; t++) {
      const root = treeRoot[t]!;
      for (let r = blockStart; r < blockEnd; r++) {
        const rowBase = r * rowStride;
        let n = root;
        let child = word[4 * n + 2]!;
        while (child >= 0) {
          const fw = word[4 * n + 3]!;
          const x = data[rowBase + (fw >> 1) * colStride]!;
          n = x <= thr[2 * n]! ? child : x !== x && (fw & 1) === 1 ? child : child + 1;
          child = word[4 * n + 2]!;
        }
        const leaf = (-child - 1) * C;
        const o = (r - from) * C;
        for (let c = 0; c < C; c++) out[o + c]! += leafValues[leaf + c]!;
      }
    }
  }
  const scale = 1 / nTrees;
  for (let i = 0, n = (to - from) * C; i < n; i++) out[i]! *= scale;
}

/** Probabilities for one row (`row[f]` = feature f) into `out` (`nClasses` long). */
export function predictProbaOne(
  forest: FlatForest,
  row: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  const { nClasses: C, treeRoot, leafValues, nodeF64: thr, nodeI32: word } = forest;
  out.fill(0, 0, C);
  const nTrees = treeRoot.length;
  for (let t = 0; t < nTrees; t++) {
    let n = treeRoot[t]!;
    let child = word[4 * n + 2]!;
    while (child >= 0) {
      const fw = word[4 * n + 3]!;
      const x = row[fw >> 1]!;
      n = x <= thr[2 * n]! ? child : x !== x && (fw & 1) === 1 ? child : child + 1;
      child = word[4 * n + 2]!;
    }
    const leaf = (-child - 1) * C;
    for (let c = 0; c < C; c++) out[c]! += leafValues[leaf + c]!;
  }
  const scale = 1 / nTrees;
  for (let c = 0; c < C; c++) out[c]! *= scale;
  return out;
}
