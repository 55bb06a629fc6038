// Small seeded datasets for the forest tests: separable, XOR, Gaussian blobs, imbalanced.
import type { FeatureMatrix } from '../../src/ml/index.js';

/** A seeded uniform stream (mulberry32) and normal deviates from it. */
export function randomStream(seed: number): { uniform: () => number; normal: () => number } {
  let s = seed | 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

export interface Dataset {
  readonly X: FeatureMatrix;
  readonly y: string[];
}

function build(rows: number[][], y: string[], columns: readonly string[]): Dataset {
  const cols = columns.length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, r) => data.set(row, r * cols));
  return { X: { rows: rows.length, cols, data, columns }, y };
}

/** Two classes split by x0 > 0.5; x1, x2 are noise. */
export function separable(n: number, seed: number): Dataset {
  const { uniform } = randomStream(seed);
  const rows: number[][] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = uniform();
    rows.push([x0, uniform(), uniform()]);
    y.push(x0 > 0.5 ? 'high' : 'low');
  }
  return build(rows, y, ['signal', 'noise_a', 'noise_b']);
}

/** XOR of the signs of x0 and x1 (no single feature tells the class); x2 is noise. */
export function xor(n: number, seed: number): Dataset {
  const { uniform } = randomStream(seed);
  const rows: number[][] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = uniform() * 2 - 1;
    const b = uniform() * 2 - 1;
    rows.push([a, b, uniform()]);
    y.push(a > 0 !== b > 0 ? 'odd' : 'even');
  }
  return build(rows, y, ['a', 'b', 'noise']);
}

/** Four Gaussian blobs (σ = 1) in the plane, plus two noise features. */
export const BLOB_CENTRES: Readonly<Record<string, readonly [number, number]>> = {
  aggressive: [3, 3],
  cautious: [-3, 3],
  eco: [-3, -3],
  normal: [3, -3],
};

export function blobs(n: number, seed: number): Dataset {
  const { uniform, normal } = randomStream(seed);
  const labels = Object.keys(BLOB_CENTRES);
  const rows: number[][] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = labels[i % labels.length]!;
    const [cx, cy] = BLOB_CENTRES[label]!;
    rows.push([cx + normal(), cy + normal(), uniform(), normal()]);
    y.push(label);
  }
  return build(rows, y, ['x', 'y', 'noise_u', 'noise_n']);
}

/**
 * Imbalanced, overlapping classes: 5 % "rare" centred at x = 1.2, 95 % "common" at 0, both
 * σ = 1 on x; y is noise. Unweighted trees mostly predict "common".
 */
export function imbalanced(n: number, seed: number): Dataset {
  const { uniform, normal } = randomStream(seed);
  const rows: number[][] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const rare = uniform() < 0.05;
    rows.push([(rare ? 1.2 : 0) + normal(), uniform()]);
    y.push(rare ? 'rare' : 'common');
  }
  return build(rows, y, ['x', 'noise']);
}

/** Share of rows whose prediction equals the label. */
export function accuracyOf(predicted: readonly string[], y: readonly string[]): number {
  let right = 0;
  predicted.forEach((p, i) => (right += p === y[i] ? 1 : 0));
  return right / y.length;
}
