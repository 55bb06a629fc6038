// Grows one classification tree on binned data: scikit-learn's depth-first builder and best
// splitter (Gini impurity on weighted class counts; at every node, features drawn without
// replacement until `maxFeatures` were visited and one of them was not constant), with the
// split search done on per-node histograms of bin codes instead of sorted values.
//
// Memory layout is what makes it fast. A tree copies its in-bag rows (bin codes, class,
// weight) into its own buffers and partitions them physically as it splits, so a node's
// rows are always contiguous: every histogram pass and every partition reads memory in
// order, instead of jumping through the whole training set (which costs a cache and TLB
// miss per row once nodes are small). Bootstrap is a per-row integer weight; rows never
// drawn are left out, as scikit-learn leaves out rows of weight zero.
//
// Per node, one pass over the node's rows fills the histograms (weighted class counts and
// a row count per bin) of all drawn features at once. A 256-bit mask per feature records
// which bins were hit, so the scan and the clearing visit only those: a deep node with 40
// rows costs 40 bins, not 255.
//
// Histogram subtraction (sibling = parent − smaller child) is used when every node
// evaluates every feature (`maxFeatures` ≥ the number of features): then only the smaller
// child's rows are histogrammed and the larger child's histograms come from its parent's.
// With features drawn per node (`'sqrt'`), a child needs features its parent did not
// histogram, and filling its histograms directly is cheaper (docs/ml.md, "Algorithm").
import { MlError } from '../../errors.js';
import { BIN_SLOTS, MISSING_BIN, splitPoint } from './binning.js';
import { TreeRandom } from './random.js';

/** What every tree of a fit shares: the binned rows, labels and per-row weights. */
export interface TrainingSet {
  readonly rows: number;
  readonly cols: number;
  readonly nClasses: number;
  /** Bytes per row of `codes` (a multiple of 4). */
  readonly rowBytes: number;
  /** Row-major bin codes, `codes[r * rowBytes + f]`. */
  readonly codes: Uint8Array;
  /** Class index of each row. */
  readonly y: Uint16Array;
  /** Class weight × sample weight of each row (multiplied by its bootstrap count per tree). */
  readonly rowWeight: Float64Array;
  /** Smallest and largest training value of each bin (`f * BIN_SLOTS + b`), for thresholds. */
  readonly binLo: Float64Array;
  readonly binHi: Float64Array;
  /** Value bins of each feature (codes 0 … nBins − 1, plus the missing code). */
  readonly nBins: Uint16Array;
}

/** The resolved per-tree settings (counts already turned from fractions into rows). */
export interface TreeSettings {
  /** `Infinity` for no limit. */
  readonly maxDepth: number;
  readonly maxFeatures: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  readonly minImpurityDecrease: number;
  readonly bootstrap: boolean;
  /** Bootstrap draws per tree. */
  readonly nDraws: number;
  /** Use histogram subtraction when every feature is evaluated at every node (default true). */
  readonly subtraction?: boolean;
}

/** One grown tree in flat arrays; node 0 is the root. */
export interface TreeArrays {
  readonly nodeCount: number;
  readonly leafCount: number;
  readonly depth: number;
  /** Split threshold: a row goes left when its value is ≤ threshold. */
  readonly threshold: Float64Array;
  /** Left child's index (the right child is the next node), or −(leaf index + 1) for a leaf. */
  readonly child: Int32Array;
  /** feature × 2 + (1 when missing values go left). */
  readonly featureWord: Int32Array;
  /** Class probabilities of each leaf (weighted class fractions), `leafCount × nClasses`. */
  readonly leafValues: Float64Array;
  /** Σ over this tree's splits on each feature of W·impurity − W_L·impurity_L − W_R·impurity_R. */
  readonly importances: Float64Array;
}

/** scikit-learn's EPSILON (machine epsilon of double). */
const EPSILON = 2.220446049250313e-16;
const MASK_WORDS = BIN_SLOTS / 32;
/**
 * Nodes with at least this many rows scan every bin of a feature instead of keeping the
 * mask of hit bins: past ~2,000 rows most bins are hit, and the mask costs a write per row.
 */
const DENSE_ROWS = 2048;
/**
 * Nodes with at most this many rows stop moving row records: their rows already sit in one
 * block of at most ~200 KB (cache-resident), so they partition an index into the block
 * instead, one word per row rather than the whole record.
 */
const INDEX_ROWS = 4096;

/** Histograms of every feature for one node (subtraction mode), indexed by feature. */
interface OwnedHistograms {
  readonly hist: Float64Array;
  readonly masks: Int32Array;
}

interface Pending {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  /** Weighted class totals. */
  readonly totals: Float64Array;
  /** Set in subtraction mode when the node's histograms are already known. */
  readonly owned: OwnedHistograms | undefined;
}

const SCAN_CONSUME = 0;
const SCAN_DENSE = 1;
const SCAN_KEEP = 2;
type ScanMode = typeof SCAN_CONSUME | typeof SCAN_DENSE | typeof SCAN_KEEP;

interface SplitChoice {
  feature: number;
  /** Rows with a code ≤ bin go left (missing: `missingLeft`). */
  bin: number;
  threshold: number;
  missingLeft: boolean;
  /** The node had rows with this feature missing. */
  missingSeen: boolean;
  proxy: number;
}

/** Weight in a histogram's missing bin (classes 0 … C − 1 from `at`). */
function missingWeight(hist: Float64Array, at: number, C: number): number {
  let w = 0;
  for (let c = 0; c < C; c++) w += hist[at + c]!;
  return w;
}

function grow<T extends Float64Array | Int32Array>(array: T, size: number): T {
  if (size <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(size, array.length * 2));
  next.set(array);
  return next;
}

/**
 * Builds trees one after another on one thread, reusing its buffers. Each tree depends
 * only on the training set, the settings and its seed.
 */
export class TreeBuilder {
  readonly #set: TrainingSet;
  readonly #settings: TreeSettings;
  /** Histogram stride per bin: one weight per class, then (with `#counts`) the row count. */
  readonly #stride: number;
  /**
   * Row counts per bin are kept only when needed: `minSamplesLeaf` > 1, or subtraction
   * (to tell an emptied bin from rounding). Otherwise a bin is hit when its weight is > 0
   * (every in-bag row weighs > 0) and both sides of a candidate split are never empty.
   */
  readonly #counts: boolean;
  /** 32-bit words per row record. */
  readonly #words: number;
  readonly #subtract: boolean;
  readonly #drawCount: Int32Array;
  // The tree's rows, partitioned by node: codes (as words and bytes), class, weight.
  readonly #rec: Int32Array;
  readonly #recBytes: Uint8Array;
  readonly #ys: Uint16Array;
  readonly #ws: Float64Array;
  readonly #recScratch: Int32Array;
  readonly #ysScratch: Uint16Array;
  readonly #wsScratch: Float64Array;
  /** Record positions of the rows of small nodes (see INDEX_ROWS), partitioned by node. */
  readonly #order: Int32Array;
  readonly #features: Int32Array;
  readonly #drawn: Int32Array;
  /** Histograms filled for one node's drawn features (slot j = drawn[j]), cleared by the scan. */
  readonly #hist: Float64Array;
  readonly #masks: Int32Array;
  readonly #hitBins = new Int32Array(BIN_SLOTS);
  /** Running left totals during a scan, and the best split's left totals. */
  readonly #left: Float64Array;
  readonly #bestLeft: Float64Array;
  /** Free histogram sets for subtraction mode. */
  readonly #pool: OwnedHistograms[] = [];
  /** Subtraction mode: histograms the root filled for itself, handed to #childHistograms. */
  #ownedForScan: OwnedHistograms | undefined;
  /** 0 … cols − 1, the feature list of a fill over every feature. */
  #allFeatures: Int32Array | undefined;
  // Growing node storage of the tree being built.
  #threshold = new Float64Array(1024);
  #child = new Int32Array(1024);
  #featureWord = new Int32Array(1024);
  #leafValues = new Float64Array(1024);
  #nodeCount = 0;
  #leafCount = 0;

  constructor(set: TrainingSet, settings: TreeSettings) {
    this.#set = set;
    this.#settings = settings;
    this.#words = set.rowBytes / 4;
    this.#subtract = settings.subtraction !== false && settings.maxFeatures >= set.cols;
    this.#counts = this.#subtract || settings.minSamplesLeaf > 1;
    this.#stride = set.nClasses + (this.#counts ? 1 : 0);
    this.#drawCount = new Int32Array(set.rows);
    this.#rec = new Int32Array(set.rows * this.#words);
    this.#recBytes = new Uint8Array(this.#rec.buffer);
    this.#ys = new Uint16Array(set.rows);
    this.#ws = new Float64Array(set.rows);
    this.#recScratch = new Int32Array(set.rows * this.#words);
    this.#ysScratch = new Uint16Array(set.rows);
    this.#wsScratch = new Float64Array(set.rows);
    this.#order = new Int32Array(set.rows);
    this.#features = new Int32Array(set.cols);
    this.#drawn = new Int32Array(set.cols);
    const slots = this.#subtract ? 1 : Math.min(settings.maxFeatures, set.cols);
    this.#hist = new Float64Array(slots * BIN_SLOTS * this.#stride);
    this.#masks = new Int32Array(slots * MASK_WORDS);
    this.#left = new Float64Array(set.nClasses + 1);
    this.#bestLeft = new Float64Array(set.nClasses);
  }

  /** Grows the tree for `seed`. */
  build(seed: number): TreeArrays {
    const set = this.#set;
    const s = this.#settings;
    const C = set.nClasses;
    const W32 = this.#words;
    const random = new TreeRandom(seed);
    const drawCount = this.#drawCount;
    if (s.bootstrap) {
      drawCount.fill(0);
      for (let i = 0; i < s.nDraws; i++) drawCount[random.int(set.rows)]!++;
    } else {
      drawCount.fill(1);
    }
    // Gather the in-bag rows (in row order) into the tree's own buffers.
    const codes32 = new Int32Array(set.codes.buffer, set.codes.byteOffset, set.rows * W32);
    const rec = this.#rec;
    const rootTotals = new Float64Array(C);
    let n = 0;
    for (let r = 0; r < set.rows; r++) {
      const w = drawCount[r]! * set.rowWeight[r]!;
      if (!(w > 0)) continue;
      const from = r * W32;
      const to = n * W32;
      for (let k = 0; k < W32; k++) rec[to + k] = codes32[from + k]!;
      const c = set.y[r]!;
      this.#ys[n] = c;
      this.#ws[n] = w;
      rootTotals[c]! += w;
      n++;
    }
    if (n === 0) {
      throw new MlError('a tree got no rows of positive weight (are all class weights zero?)');
    }
    for (let f = 0; f < set.cols; f++) this.#features[f] = f;
    if (n <= INDEX_ROWS) for (let p = 0; p < n; p++) this.#order[p] = p;
    this.#nodeCount = 0;
    this.#leafCount = 0;
    const importances = new Float64Array(set.cols);
    this.#allocateNodes(1);
    let rootWeight = 0;
    for (let c = 0; c < C; c++) rootWeight += rootTotals[c]!;

    // Depth-first, left child on top of the stack (scikit-learn's order).
    const stack: Pending[] = [
      { node: 0, start: 0, end: n, depth: 0, totals: rootTotals, owned: undefined },
    ];
    let maxDepthSeen = 0;
    while (stack.length > 0) {
      const { node, start, end, depth, totals, owned } = stack.pop()!;
      if (depth > maxDepthSeen) maxDepthSeen = depth;
      let W = 0;
      let sumSq = 0;
      for (let c = 0; c < C; c++) {
        W += totals[c]!;
        sumSq += totals[c]! * totals[c]!;
      }
      const impurity = 1 - sumSq / (W * W);
      let split = false;
      if (this.#canSplit(end - start, depth, impurity)) {
        const found = this.#findSplit(random, start, end, totals, owned);
        if (found !== undefined) {
          const left = this.#bestLeft;
          let WL = 0;
          let sqL = 0;
          let sqR = 0;
          for (let c = 0; c < C; c++) {
            const l = left[c]!;
            const r = totals[c]! - l;
            WL += l;
            sqL += l * l;
            sqR += r * r;
          }
          const WR = W - WL;
          const impL = 1 - sqL / (WL * WL);
          const impR = 1 - sqR / (WR * WR);
          const improvement = (W / rootWeight) * (impurity - (WL / W) * impL - (WR / W) * impR);
          if (improvement + EPSILON >= s.minImpurityDecrease) {
            split = true;
            const mid =
              end - start <= INDEX_ROWS
                ? this.#partitionIndex(start, end, found)
                : this.#partition(start, end, found);
            // scikit-learn: with no missing value in the node, missing values later go to
            // the child with more rows (right on a tie).
            const missingLeft = found.missingSeen ? found.missingLeft : mid - start > end - mid;
            const a = this.#allocateNodes(2);
            this.#threshold[node] = found.threshold;
            this.#child[node] = a;
            this.#featureWord[node] = found.feature * 2 + (missingLeft ? 1 : 0);
            importances[found.feature]! += W * impurity - WL * impL - WR * impR;
            const totalsLeft = left.slice();
            const totalsRight = new Float64Array(C);
            for (let c = 0; c < C; c++) totalsRight[c] = totals[c]! - totalsLeft[c]!;
            const [ownedLeft, ownedRight] = this.#subtract
              ? this.#childHistograms(owned, start, mid, end, depth + 1, impL, impR)
              : [undefined, undefined];
            stack.push({
              node: a + 1,
              start: mid,
              end,
              depth: depth + 1,
              totals: totalsRight,
              owned: ownedRight,
            });
            stack.push({
              node: a,
              start,
              end: mid,
              depth: depth + 1,
              totals: totalsLeft,
              owned: ownedLeft,
            });
          }
        }
      }
      if (!split) {
        this.#makeLeaf(node, totals, W);
        const unused = owned ?? this.#ownedForScan;
        this.#ownedForScan = undefined;
        if (unused !== undefined) {
          this.#clearAll(unused);
          this.#pool.push(unused);
        }
      }
    }
    return {
      nodeCount: this.#nodeCount,
      leafCount: this.#leafCount,
      depth: maxDepthSeen,
      threshold: this.#threshold.slice(0, this.#nodeCount),
      child: this.#child.slice(0, this.#nodeCount),
      featureWord: this.#featureWord.slice(0, this.#nodeCount),
      leafValues: this.#leafValues.slice(0, this.#leafCount * C),
      importances,
    };
  }

  /** scikit-learn's leaf tests that do not need a split search. */
  #canSplit(count: number, depth: number, impurity: number): boolean {
    const s = this.#settings;
    return (
      depth < s.maxDepth &&
      count >= s.minSamplesSplit &&
      count >= 2 * s.minSamplesLeaf &&
      impurity > EPSILON
    );
  }

  #allocateNodes(k: number): number {
    const first = this.#nodeCount;
    const size = first + k;
    this.#threshold = grow(this.#threshold, size);
    this.#child = grow(this.#child, size);
    this.#featureWord = grow(this.#featureWord, size);
    this.#nodeCount = size;
    return first;
  }

  #makeLeaf(node: number, totals: Float64Array, W: number): void {
    const C = this.#set.nClasses;
    const leaf = this.#leafCount++;
    this.#leafValues = grow(this.#leafValues, (leaf + 1) * C);
    for (let c = 0; c < C; c++) this.#leafValues[leaf * C + c] = totals[c]! / W;
    this.#threshold[node] = 0;
    this.#child[node] = -(leaf + 1);
    this.#featureWord[node] = 0;
  }

  /**
   * Draws features (Fisher–Yates over the not-yet-drawn ones) and returns the best split of
   * rows `start … end`, or undefined when no split keeps `minSamplesLeaf` rows on each side.
   * The best split's left totals are left in `#bestLeft`. With `owned` histograms (every
   * feature, subtraction mode) nothing is filled and the histograms are kept.
   */
  #findSplit(
    random: TreeRandom,
    start: number,
    end: number,
    totals: Float64Array,
    owned: OwnedHistograms | undefined,
  ): SplitChoice | undefined {
    const F = this.#set.cols;
    const k = this.#settings.maxFeatures;
    const features = this.#features;
    const drawn = this.#drawn;
    const best: SplitChoice = {
      feature: -1,
      bin: -1,
      threshold: 0,
      missingLeft: false,
      missingSeen: false,
      proxy: Number.NEGATIVE_INFINITY,
    };
    if (this.#subtract) {
      // Every feature is visited: draw them all (the order breaks ties, as in scikit-learn).
      for (let j = 0; j < F; j++) {
        const pick = j + random.int(F - j);
        const f = features[pick]!;
        features[pick] = features[j]!;
        features[j] = f;
      }
      const histograms = owned ?? this.#fillAll(start, end);
      for (let j = 0; j < F; j++) {
        const f = features[j]!;
        this.#scanFeature(
          histograms.hist,
          histograms.masks,
          f,
          f,
          totals,
          end - start,
          best,
          SCAN_KEEP,
        );
      }
      if (owned === undefined) this.#ownedForScan = histograms;
      return best.feature < 0 ? undefined : best;
    }
    let nDrawn = 0;
    let nonConstant = 0;
    let batch = Math.min(k, F);
    for (;;) {
      for (let j = 0; j < batch; j++) {
        const pick = nDrawn + random.int(F - nDrawn);
        const f = features[pick]!;
        features[pick] = features[nDrawn]!;
        features[nDrawn] = f;
        drawn[j] = f;
        nDrawn++;
      }
      const dense = end - start >= DENSE_ROWS;
      this.#fill(this.#hist, this.#masks, start, end, drawn, batch, !dense);
      for (let j = 0; j < batch; j++) {
        const f = drawn[j]!;
        const mode = dense ? SCAN_DENSE : SCAN_CONSUME;
        if (this.#scanFeature(this.#hist, this.#masks, j, f, totals, end - start, best, mode)) {
          nonConstant++;
        }
      }
      // scikit-learn: stop after maxFeatures draws once a drawn feature was not constant.
      if (nDrawn >= F || nonConstant > 0) break;
      batch = 1;
    }
    return best.feature < 0 ? undefined : best;
  }

  #takeHistograms(): OwnedHistograms {
    const free = this.#pool.pop();
    if (free !== undefined) return free;
    const F = this.#set.cols;
    return {
      hist: new Float64Array(F * BIN_SLOTS * this.#stride),
      masks: new Int32Array(F * MASK_WORDS),
    };
  }

  /** Histograms of every feature over rows `start … end` (subtraction mode). */
  #fillAll(start: number, end: number): OwnedHistograms {
    const histograms = this.#takeHistograms();
    const all = this.#allFeatures ?? Int32Array.from({ length: this.#set.cols }, (_, f) => f);
    this.#allFeatures = all;
    this.#fill(histograms.hist, histograms.masks, start, end, all, all.length, true);
    return histograms;
  }

  /**
   * Subtraction mode, after a split of rows `start … end` at `mid`: histograms for the two
   * children (undefined for a child that is sure to become a leaf), filling only the
   * smaller child and taking the larger as parent − smaller.
   */
  #childHistograms(
    owned: OwnedHistograms | undefined,
    start: number,
    mid: number,
    end: number,
    depth: number,
    impL: number,
    impR: number,
  ): [OwnedHistograms | undefined, OwnedHistograms | undefined] {
    const parent = owned ?? this.#ownedForScan!;
    this.#ownedForScan = undefined;
    const needLeft = this.#canSplit(mid - start, depth, impL);
    const needRight = this.#canSplit(end - mid, depth, impR);
    const leftSmaller = mid - start <= end - mid;
    const [smallStart, smallEnd] = leftSmaller ? [start, mid] : [mid, end];
    const needSmall = leftSmaller ? needLeft : needRight;
    const needLarge = leftSmaller ? needRight : needLeft;
    let small: OwnedHistograms | undefined;
    let large: OwnedHistograms | undefined;
    if (needLarge) {
      small = this.#fillAll(smallStart, smallEnd);
      this.#subtractInto(parent, small);
      large = parent;
      if (!needSmall) {
        this.#clearAll(small);
        this.#pool.push(small);
        small = undefined;
      }
    } else {
      this.#clearAll(parent);
      this.#pool.push(parent);
      if (needSmall) small = this.#fillAll(smallStart, smallEnd);
    }
    return leftSmaller ? [small, large] : [large, small];
  }

  /** parent ← parent − child, bin by bin over the bins the parent hit. */
  #subtractInto(parent: OwnedHistograms, child: OwnedHistograms): void {
    const F = this.#set.cols;
    const C = this.#set.nClasses;
    const S = this.#stride;
    const ph = parent.hist;
    const ch = child.hist;
    for (let f = 0; f < F; f++) {
      for (let word = 0; word < MASK_WORDS; word++) {
        let m = parent.masks[f * MASK_WORDS + word]!;
        while (m !== 0) {
          const low = m & -m;
          m ^= low;
          const b = word * 32 + 31 - Math.clz32(low);
          const h = (f * BIN_SLOTS + b) * S;
          const count = ph[h + C]! - ch[h + C]!;
          ph[h + C] = count;
          // An emptied bin is exactly zero, not a rounding residue of its weights.
          for (let c = 0; c < C; c++) ph[h + c] = count === 0 ? 0 : ph[h + c]! - ch[h + c]!;
        }
      }
    }
  }

  /** Zeroes the bins a histogram set hit (its masks say which), and the masks. */
  #clearAll(histograms: OwnedHistograms): void {
    const F = this.#set.cols;
    const S = this.#stride;
    const { hist, masks } = histograms;
    for (let f = 0; f < F; f++) {
      for (let word = 0; word < MASK_WORDS; word++) {
        let m = masks[f * MASK_WORDS + word]!;
        masks[f * MASK_WORDS + word] = 0;
        while (m !== 0) {
          const low = m & -m;
          m ^= low;
          const b = word * 32 + 31 - Math.clz32(low);
          const h = (f * BIN_SLOTS + b) * S;
          for (let c = 0; c < S; c++) hist[h + c] = 0;
        }
      }
    }
  }

  /**
   * One pass over rows `start … end` fills slots 0 … batch − 1 with features `drawn[j]`,
   * and the masks of hit bins when `withMasks`. Four loops, so the hot one carries no
   * per-row test of what to maintain.
   */
  #fill(
    hist: Float64Array,
    masks: Int32Array,
    start: number,
    end: number,
    drawn: Int32Array,
    batch: number,
    withMasks: boolean,
  ): void {
    const C = this.#set.nClasses;
    const S = this.#stride;
    const RB = this.#set.rowBytes;
    const codes = this.#recBytes;
    const ys = this.#ys;
    const ws = this.#ws;
    // Small nodes read their rows through the index (see INDEX_ROWS).
    const order = this.#order;
    const indexed = end - start <= INDEX_ROWS;
    if (this.#counts && withMasks) {
      for (let p = start; p < end; p++) {
        const row = indexed ? order[p]! : p;
        const c = ys[row]!;
        const w = ws[row]!;
        const base = row * RB;
        for (let j = 0; j < batch; j++) {
          const b = codes[base + drawn[j]!]!;
          const h = (j * BIN_SLOTS + b) * S;
          hist[h + c]! += w;
          hist[h + C]! += 1;
          masks[j * MASK_WORDS + (b >>> 5)]! |= 1 << (b & 31);
        }
      }
    } else if (this.#counts) {
      for (let p = start; p < end; p++) {
        const row = indexed ? order[p]! : p;
        const c = ys[row]!;
        const w = ws[row]!;
        const base = row * RB;
        for (let j = 0; j < batch; j++) {
          const h = (j * BIN_SLOTS + codes[base + drawn[j]!]!) * S;
          hist[h + c]! += w;
          hist[h + C]! += 1;
        }
      }
    } else if (withMasks) {
      for (let p = start; p < end; p++) {
        const row = indexed ? order[p]! : p;
        const c = ys[row]!;
        const w = ws[row]!;
        const base = row * RB;
        for (let j = 0; j < batch; j++) {
          const b = codes[base + drawn[j]!]!;
          hist[(j * BIN_SLOTS + b) * S + c]! += w;
          masks[j * MASK_WORDS + (b >>> 5)]! |= 1 << (b & 31);
        }
      }
    } else {
      for (let p = start; p < end; p++) {
        const row = indexed ? order[p]! : p;
        const c = ys[row]!;
        const w = ws[row]!;
        const base = row * RB;
        for (let j = 0; j < batch; j++) {
          hist[(j * BIN_SLOTS + codes[base + drawn[j]!]!) * S + c]! += w;
        }
      }
    }
  }

  /**
   * Scans histogram slot `slot` (feature `f`) for the best threshold, updating `best`.
   * SCAN_CONSUME reads the bins the mask marks and clears them; SCAN_DENSE reads and clears
   * every bin of the feature; SCAN_KEEP (subtraction) reads the marked bins, skips bins
   * emptied by subtraction, and keeps everything. Returns false when `f` is constant here.
   */
  #scanFeature(
    hist: Float64Array,
    masks: Int32Array,
    slot: number,
    f: number,
    totals: Float64Array,
    count: number,
    best: SplitChoice,
    mode: ScanMode,
  ): boolean {
    const C = this.#set.nClasses;
    const S = this.#stride;
    const counts = this.#counts;
    const minLeaf = this.#settings.minSamplesLeaf;
    const left = this.#left;
    for (let c = 0; c <= C; c++) left[c] = 0;
    const base = slot * BIN_SLOTS;
    const missing = (base + MISSING_BIN) * S;
    let WT = 0;
    let WMissing = 0;
    for (let c = 0; c < C; c++) {
      WT += totals[c]!;
      WMissing += hist[missing + c]!;
    }
    const missingCount = counts ? hist[missing + C]! : WMissing > 0 ? 1 : 0;
    // Bins hit, ascending (the missing bin excluded).
    const hit = this.#hitBins;
    let nHit = 0;
    if (mode === SCAN_DENSE) {
      const nb = this.#set.nBins[f]!;
      for (let b = 0; b < nb; b++) {
        const h = (base + b) * S;
        let w = 0;
        for (let c = 0; c < C; c++) w += hist[h + c]!;
        if (w > 0) hit[nHit++] = b;
      }
    } else {
      const keep = mode === SCAN_KEEP;
      for (let word = 0; word < MASK_WORDS; word++) {
        let m = masks[slot * MASK_WORDS + word]!;
        if (!keep) masks[slot * MASK_WORDS + word] = 0;
        while (m !== 0) {
          const low = m & -m;
          m ^= low;
          const b = word * 32 + 31 - Math.clz32(low);
          if (b !== MISSING_BIN && (!keep || hist[(base + b) * S + C]! > 0)) hit[nHit++] = b;
        }
      }
    }
    const constant = nHit + (missingCount > 0 ? 1 : 0) <= 1;
    for (let i = 0; i < nHit; i++) {
      const b = hit[i]!;
      const h = (base + b) * S;
      for (let c = 0; c < S; c++) left[c]! += hist[h + c]!;
      if (mode === SCAN_CONSUME) for (let c = 0; c < S; c++) hist[h + c] = 0;
      if (constant) continue;
      const last = i === nHit - 1;
      // After the last value bin the only split left is "values left, missing right".
      if (last && missingCount === 0) continue;
      // Without counts minSamplesLeaf is 1, and both sides are non-empty by construction:
      // bin b is hit, and so is a later bin or the missing bin.
      const nLeft = counts ? left[C]! : minLeaf;
      // Missing values to the right.
      if (!counts || (nLeft >= minLeaf && count - nLeft >= minLeaf)) {
        let WL = 0;
        let sqL = 0;
        let sqR = 0;
        for (let c = 0; c < C; c++) {
          const l = left[c]!;
          const r = totals[c]! - l;
          WL += l;
          sqL += l * l;
          sqR += r * r;
        }
        const proxy = sqL / WL + sqR / (WT - WL);
        if (proxy > best.proxy) {
          this.#record(best, f, b, last ? -1 : hit[i + 1]!, false, proxy, hist, missing);
        }
      }
      // Missing values to the left (values-left-missing-right is the split above).
      if (missingCount > 0 && !last) {
        const nL = nLeft + missingCount;
        if (!counts || (nL >= minLeaf && count - nL >= minLeaf)) {
          let WL = WMissing;
          let sqL = 0;
          let sqR = 0;
          for (let c = 0; c < C; c++) {
            const l = left[c]! + hist[missing + c]!;
            const r = totals[c]! - l;
            WL += left[c]!;
            sqL += l * l;
            sqR += r * r;
          }
          const proxy = sqL / WL + sqR / (WT - WL);
          if (proxy > best.proxy) {
            this.#record(best, f, b, hit[i + 1]!, true, proxy, hist, missing);
          }
        }
      }
    }
    if (mode === SCAN_DENSE) {
      hist.fill(0, base * S, (base + this.#set.nBins[f]!) * S);
    }
    if (mode !== SCAN_KEEP) for (let c = 0; c < S; c++) hist[missing + c] = 0;
    return !constant;
  }

  /** Makes (f, bin b | next hit bin) the best split so far and keeps its left totals. */
  #record(
    best: SplitChoice,
    f: number,
    b: number,
    next: number,
    missingLeft: boolean,
    proxy: number,
    hist: Float64Array,
    missing: number,
  ): void {
    const { binLo, binHi, nClasses: C } = this.#set;
    best.feature = f;
    best.bin = next < 0 ? MISSING_BIN - 1 : b;
    best.missingLeft = missingLeft;
    best.missingSeen = missingWeight(hist, missing, C) > 0;
    best.proxy = proxy;
    best.threshold =
      next < 0
        ? Number.POSITIVE_INFINITY
        : splitPoint(binHi[f * BIN_SLOTS + b]!, binLo[f * BIN_SLOTS + next]!);
    const left = this.#left;
    const out = this.#bestLeft;
    for (let c = 0; c < C; c++) out[c] = left[c]! + (missingLeft ? hist[missing + c]! : 0);
  }

  /**
   * Stable partition of rows `start … end` by the split (records, classes and weights
   * move together); returns the position of the first right row.
   */
  #partition(start: number, end: number, split: SplitChoice): number {
    const RB = this.#set.rowBytes;
    const W32 = this.#words;
    const rec = this.#rec;
    const bytes = this.#recBytes;
    const ys = this.#ys;
    const ws = this.#ws;
    const recOut = this.#recScratch;
    const ysOut = this.#ysScratch;
    const wsOut = this.#wsScratch;
    const f = split.feature;
    const b = split.bin;
    const missingLeft = split.missingLeft;
    let l = start;
    let r = 0;
    for (let p = start; p < end; p++) {
      const code = bytes[p * RB + f]!;
      const goLeft = code === MISSING_BIN ? missingLeft : code <= b;
      if (goLeft) {
        if (l !== p) {
          const from = p * W32;
          const to = l * W32;
          for (let k = 0; k < W32; k++) rec[to + k] = rec[from + k]!;
          ys[l] = ys[p]!;
          ws[l] = ws[p]!;
        }
        l++;
      } else {
        const from = p * W32;
        const to = r * W32;
        for (let k = 0; k < W32; k++) recOut[to + k] = rec[from + k]!;
        ysOut[r] = ys[p]!;
        wsOut[r] = ws[p]!;
        r++;
      }
    }
    rec.set(recOut.subarray(0, r * W32), l * W32);
    ys.set(ysOut.subarray(0, r), l);
    ws.set(wsOut.subarray(0, r), l);
    // A child small enough to be partitioned by index starts with the identity.
    const order = this.#order;
    if (l - start <= INDEX_ROWS) for (let p = start; p < l; p++) order[p] = p;
    if (end - l <= INDEX_ROWS) for (let p = l; p < end; p++) order[p] = p;
    return l;
  }

  /** Stable partition of a small node's row index (the records stay where they are). */
  #partitionIndex(start: number, end: number, split: SplitChoice): number {
    const RB = this.#set.rowBytes;
    const bytes = this.#recBytes;
    const order = this.#order;
    const right = this.#recScratch;
    const f = split.feature;
    const b = split.bin;
    const missingLeft = split.missingLeft;
    let l = start;
    let r = 0;
    for (let p = start; p < end; p++) {
      const row = order[p]!;
      const code = bytes[row * RB + f]!;
      if (code === MISSING_BIN ? missingLeft : code <= b) order[l++] = row;
      else right[r++] = row;
    }
    order.set(right.subarray(0, r), l);
    return l;
  }
}
