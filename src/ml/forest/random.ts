// Deterministic random numbers for training: one small generator per tree, seeded from
// (randomState, tree index), so a tree does not depend on which worker built it or when.
// The generator is mulberry32 (32-bit state, period 2^32): plenty for bootstrap draws and
// feature shuffles, and cheap enough for the hot loops.

/** Mixes words into one 32-bit seed (murmur3's finaliser over a running hash). */
export function mixSeed(...words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    h = Math.imul(h ^ (word >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A seeded stream of uniform numbers. */
export class TreeRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed | 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    const s = (this.#state + 0x6d2b79f5) | 0;
    this.#state = s;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
