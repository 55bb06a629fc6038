// The per-sample kernel of the sliding window, generated from the gold feature spec: one
// JavaScript function that evaluates every measure of a sample inline and folds it into its
// second's partials — only the partials the spec's statistics read (a share needs a count
// and a sum, a std also Σ(x−c)², min and max). Generated for the same reason the gold SQL
// is: one definition, and code shaped for speed. Evaluating the measures through a tree of
// closures (gold's `compileExpr`) costs ~80 calls per sample; this is straight-line code.
//
// The expressions are the same double operations in the same order as `compileExpr`'s and
// the SQL's (null as NaN), so the partials are identical. Only numbers and indices from the
// spec enter the source; nothing from the data.
import type { Expr } from '../pipeline/gold/expr.js';
import type { MeasurePlan } from '../pipeline/gold/feature-spec.js';
import { SIGNAL_INDEX } from '../telemetry/signals.js';

/**
 * Where each plan's per-second partials live. Only the partials a plan's statistics read
 * exist, packed into four dense column groups, so folding a sample in and merging a
 * window touch nothing unused: counts (one per null mask), sums (Σ(x−c) of every plan that
 * needs it, then Σ(x−c)² of those with a std), minima and maxima.
 */
export interface PartialLayout {
  readonly plans: readonly MeasurePlan[];
  /** Count column of each plan (plans with one null mask share a count). */
  readonly countOf: Int32Array;
  readonly countColumns: number;
  readonly sumColumns: number;
  /** Sum column of each plan's Σ(x−c), or −1. */
  readonly s1Of: Int32Array;
  /** Sum column of each plan's Σ(x−c)², or −1. */
  readonly s2Of: Int32Array;
  readonly minColumns: number;
  /** Min column of each plan, or −1. */
  readonly minOf: Int32Array;
  readonly maxColumns: number;
  /** Max column of each plan, or −1. */
  readonly maxOf: Int32Array;
}

/** The packed layout of a measure plan list. */
export function partialLayout(plans: readonly MeasurePlan[]): PartialLayout {
  const countNames: string[] = [];
  const countOf = Int32Array.from(plans, (p) => {
    let k = countNames.indexOf(p.count);
    if (k < 0) k = countNames.push(p.count) - 1;
    return k;
  });
  let sums = 0;
  const s1Of = Int32Array.from(plans, (p) => (p.sum ? sums++ : -1));
  const s2Of = Int32Array.from(plans, (p) => (p.sumSquares ? sums++ : -1));
  let mins = 0;
  const minOf = Int32Array.from(plans, (p) => (p.min ? mins++ : -1));
  let maxs = 0;
  const maxOf = Int32Array.from(plans, (p) => (p.max ? maxs++ : -1));
  return {
    plans,
    countOf,
    countColumns: countNames.length,
    sumColumns: sums,
    s1Of,
    s2Of,
    minColumns: mins,
    minOf,
    maxColumns: maxs,
    maxOf,
  };
}

/**
 * Folds one sample into `slot`'s partials. `values[offset + k]` is signal k (NaN: null);
 * each column group is laid out `slot × columns + column` (see PartialLayout).
 */
export type Accumulator = (
  values: ArrayLike<number>,
  offset: number,
  slot: number,
  counts: Float64Array,
  sums: Float64Array,
  mins: Float64Array,
  maxs: Float64Array,
) => void;

function literal(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`the spec holds a non-finite constant ${x}`);
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Statements and a result expression computing `expr` into fresh locals. */
class ExprWriter {
  readonly lines: string[] = [];
  #next = 0;

  #temp(): string {
    return `t${this.#next++}`;
  }

  write(expr: Expr): string {
    switch (expr.kind) {
      case 'signal':
        return `v[o + ${SIGNAL_INDEX[expr.name]}]`;
      case 'constant':
        return `(${literal(expr.value)})`;
      case 'arithmetic':
        return `(${this.write(expr.left)} ${expr.op} ${this.write(expr.right)})`;
      case 'band': {
        const t = this.#temp();
        this.lines.push(`let ${t} = ${this.write(expr.of)};`);
        const tests: string[] = [];
        if (expr.lo !== undefined) tests.push(`${t} >= ${literal(expr.lo)}`);
        if (expr.hi !== undefined) tests.push(`${t} < ${literal(expr.hi)}`);
        // NaN (null) stays NaN; a comparison with NaN would say 0.
        this.lines.push(`${t} = ${t} !== ${t} ? NaN : ${tests.join(' && ')} ? 1 : 0;`);
        return t;
      }
      case 'where': {
        const when = this.write(expr.when);
        const of = this.write(expr.of);
        const t = this.#temp();
        this.lines.push(`const ${t} = ${when} === 1 ? ${of} : NaN;`);
        return t;
      }
    }
  }
}

/** The kernel's source (exported for tests and for reading). */
export function accumulatorSource(layout: PartialLayout): string {
  const L = layout;
  const out: string[] = [
    `const cb = slot * ${L.countColumns};`,
    `const sb = slot * ${L.sumColumns};`,
    `const nb = slot * ${L.minColumns};`,
    `const xb = slot * ${L.maxColumns};`,
    ...Array.from({ length: L.countColumns }, (_, c) => `let n${c} = 0;`),
  ];
  L.plans.forEach((plan, p) => {
    const writer = new ExprWriter();
    const x = writer.write(plan.measure.expr);
    const body: string[] = [`n${L.countOf[p]} = 1;`];
    const s1 = L.s1Of[p]!;
    const s2 = L.s2Of[p]!;
    if (s1 >= 0 || s2 >= 0) body.push(`const d = x - ${literal(plan.measure.center)};`);
    if (s1 >= 0) body.push(`sums[sb + ${s1}] += d;`);
    if (s2 >= 0) body.push(`sums[sb + ${s2}] += d * d;`);
    const lo = L.minOf[p]!;
    if (lo >= 0) body.push(`if (!(x >= mins[nb + ${lo}])) mins[nb + ${lo}] = x;`);
    const hi = L.maxOf[p]!;
    if (hi >= 0) body.push(`if (!(x <= maxs[xb + ${hi}])) maxs[xb + ${hi}] = x;`);
    out.push(
      `{ // ${plan.measure.name}`,
      ...writer.lines.map((line) => `  ${line}`),
      `  const x = ${x};`,
      `  if (x === x) { ${body.join(' ')} }`,
      `}`,
    );
  });
  for (let c = 0; c < L.countColumns; c++) out.push(`counts[cb + ${c}] += n${c};`);
  return out.join('\n');
}

/** Compiles the kernel of a layout. */
export function compileAccumulator(layout: PartialLayout): Accumulator {
  const source = accumulatorSource(layout);
  // Generated from the spec only (see the header); the one place Pitwall builds a function.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', 'o', 'slot', 'counts', 'sums', 'mins', 'maxs', source) as Accumulator;
}
