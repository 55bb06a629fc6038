// Number and table formatting for terminal output.

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → `1,234,567`. */
export function formatCount(n: number): string {
  return INTEGER.format(n);
}

/** Wall-clock seconds for people: `0.31s`, `12.4s`, `3m05s`. */
export function formatWallTime(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)}s`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
}

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  readonly align?: 'left' | 'right';
}

/** A plain-text table: a header, a rule, one line per row; columns padded to fit. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, k) =>
    Math.max(column.header.length, ...cells.map((line) => line[k]!.length)),
  );
  const render = (line: readonly string[]): string =>
    line
      .map((cell, k) =>
        columns[k]!.align === 'right' ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!),
      )
      .join('  ')
      .trimEnd();
  return [
    render(columns.map((column) => column.header)),
    render(widths.map((width) => '-'.repeat(width))),
    ...cells.map(render),
  ].join('\n');
}
