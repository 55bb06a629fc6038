// Per-sample expressions of the gold feature spec, as plain immutable nodes (`kind` plus a
// same-named factory). The SQL generator prints them; the online computer compiles them to
// closures. Null semantics are SQL's: any null input gives null (online: NaN).
import type { SignalName } from '../../telemetry/signals.js';

export interface SignalNode {
  readonly kind: 'signal';
  readonly name: SignalName;
}

export interface ConstantNode {
  readonly kind: 'constant';
  readonly value: number;
}

export interface ArithmeticNode {
  readonly kind: 'arithmetic';
  readonly op: '+' | '-' | '*' | '/';
  readonly left: Expr;
  readonly right: Expr;
}

/** 1 when `lo ≤ of < hi` (an open side when undefined), else 0; null when `of` is null. */
export interface BandNode {
  readonly kind: 'band';
  readonly of: Expr;
  readonly lo: number | undefined;
  readonly hi: number | undefined;
}

/** `of` where `when` is 1, else null (a filtered measure). */
export interface WhereNode {
  readonly kind: 'where';
  readonly of: Expr;
  readonly when: BandNode;
}

export type Expr = SignalNode | ConstantNode | ArithmeticNode | BandNode | WhereNode;

export function signal(name: SignalName): SignalNode {
  return { kind: 'signal', name };
}

export function constant(value: number): ConstantNode {
  return { kind: 'constant', value };
}

function arithmetic(op: ArithmeticNode['op'], left: Expr, right: Expr): ArithmeticNode {
  return { kind: 'arithmetic', op, left, right };
}

export const add = (left: Expr, right: Expr): ArithmeticNode => arithmetic('+', left, right);
export const sub = (left: Expr, right: Expr): ArithmeticNode => arithmetic('-', left, right);
export const mul = (left: Expr, right: Expr): ArithmeticNode => arithmetic('*', left, right);
/** Division; guard the divisor away from 0 with `where` (SQL engines differ on x / 0). */
export const div = (left: Expr, right: Expr): ArithmeticNode => arithmetic('/', left, right);

/** Indicator of `lo ≤ of < hi`. */
export function band(of: Expr, lo: number | undefined, hi: number | undefined): BandNode {
  if (lo === undefined && hi === undefined) throw new RangeError('band: give lo, hi or both');
  return { kind: 'band', of, lo, hi };
}

export function where(of: Expr, when: BandNode): WhereNode {
  return { kind: 'where', of, when };
}

/** The signals an expression reads, in first-use order. */
export function signalsOf(expr: Expr, into: SignalName[] = []): SignalName[] {
  switch (expr.kind) {
    case 'signal':
      if (!into.includes(expr.name)) into.push(expr.name);
      break;
    case 'constant':
      break;
    case 'arithmetic':
      signalsOf(expr.left, into);
      signalsOf(expr.right, into);
      break;
    case 'band':
      signalsOf(expr.of, into);
      break;
    case 'where':
      signalsOf(expr.of, into);
      signalsOf(expr.when, into);
      break;
  }
  return into;
}

/** A number as an SQL literal that parses back to the same double (always with a point). */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} has no SQL literal`);
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** SQL text of an expression over columns named like the signals (DOUBLE). */
export function exprSql(expr: Expr): string {
  switch (expr.kind) {
    case 'signal':
      return expr.name;
    case 'constant':
      return sqlNumber(expr.value);
    case 'arithmetic':
      return `(${exprSql(expr.left)} ${expr.op} ${exprSql(expr.right)})`;
    case 'band': {
      const of = exprSql(expr.of);
      const parts: string[] = [];
      if (expr.lo !== undefined) parts.push(`${of} >= ${sqlNumber(expr.lo)}`);
      if (expr.hi !== undefined) parts.push(`${of} < ${sqlNumber(expr.hi)}`);
      // A comparison with null is null, and so is its cast: null propagates as in `online`.
      return `CAST(${parts.join(' AND ')} AS DOUBLE)`;
    }
    case 'where':
      return `CASE WHEN ${exprSql(expr.when)} = 1.0 THEN ${exprSql(expr.of)} END`;
  }
}

/** A compiled expression: reads signal values by column index, NaN for null. */
export type CompiledExpr = (values: Float64Array) => number;

/** Compiles an expression for the online computer; `columnOf` maps a signal to its index. */
export function compileExpr(expr: Expr, columnOf: (name: SignalName) => number): CompiledExpr {
  switch (expr.kind) {
    case 'signal': {
      const column = columnOf(expr.name);
      return (values) => values[column]!;
    }
    case 'constant': {
      const value = expr.value;
      return () => value;
    }
    case 'arithmetic': {
      const left = compileExpr(expr.left, columnOf);
      const right = compileExpr(expr.right, columnOf);
      switch (expr.op) {
        case '+':
          return (values) => left(values) + right(values);
        case '-':
          return (values) => left(values) - right(values);
        case '*':
          return (values) => left(values) * right(values);
        case '/':
          return (values) => left(values) / right(values);
      }
      break;
    }
    case 'band': {
      const of = compileExpr(expr.of, columnOf);
      const lo = expr.lo ?? -Infinity;
      const hi = expr.hi ?? Infinity;
      return (values) => {
        const x = of(values);
        if (x !== x) return Number.NaN;
        return x >= lo && x < hi ? 1 : 0;
      };
    }
    case 'where': {
      const of = compileExpr(expr.of, columnOf);
      const when = compileExpr(expr.when, columnOf);
      return (values) => (when(values) === 1 ? of(values) : Number.NaN);
    }
  }
}
