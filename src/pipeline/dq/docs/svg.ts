// Inline SVG charts for the data docs: a sparkline of one expectation across runs and the
// pass-rate chart of the index. Colours come from the page's CSS classes (so both themes
// apply); pass and fail differ in shape too (circle vs cross), never only in colour. Every
// point carries a <title> tooltip; coordinates are rounded so output is byte-stable.
import { attributeText, percentText } from './escape.js';

/** One run's value in a series; `value` undefined means the run did not have this series. */
export interface SeriesPoint {
  /** Tooltip text (plain); escaped here. */
  readonly label: string;
  readonly value: number | undefined;
  readonly success: boolean;
}

export interface ChartOptions {
  readonly width: number;
  readonly height: number;
  /** Accessible name of the chart (plain text). */
  readonly title: string;
  /** Fixed top of the value axis; by default the largest value (at least 1). */
  readonly max?: number;
  /** Draw the axis labels and grid lines (the big chart) or not (sparklines). */
  readonly axes?: boolean;
}

function num(n: number): string {
  // Two decimals are sub-pixel; trimming keeps the markup short and stable.
  const fixed = n.toFixed(2);
  return fixed.replace(/\.?0+$/, '') || '0';
}

function finite(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

function marker(x: number, y: number, success: boolean, label: string): string {
  const title = `<title>${attributeText(label)}</title>`;
  if (success) {
    return `<circle class="pt pass" cx="${num(x)}" cy="${num(y)}" r="2.6">${title}</circle>`;
  }
  const d =
    `M${num(x - 3)} ${num(y - 3)}L${num(x + 3)} ${num(y + 3)}` +
    `M${num(x - 3)} ${num(y + 3)}L${num(x + 3)} ${num(y - 3)}`;
  return `<path class="pt fail" d="${d}">${title}</path>`;
}

/**
 * An SVG line chart of `points` (oldest first), one marker per run that has a value, the line
 * broken where a run lacks the series. Non-finite values are drawn on the baseline.
 */
export function lineChart(points: readonly SeriesPoint[], options: ChartOptions): string {
  const { width, height } = options;
  const axes = options.axes === true;
  const left = axes ? 40 : 4;
  const right = 6;
  const top = axes ? 10 : 4;
  const bottom = axes ? 22 : 4;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = points.map((p) => p.value).filter(finite);
  const max = options.max ?? Math.max(1, ...values);
  const x = (i: number): number =>
    points.length <= 1 ? left + plotW / 2 : left + (plotW * i) / (points.length - 1);
  const y = (v: number | undefined): number => {
    const clamped = finite(v) ? Math.min(Math.max(v, 0), max) : 0;
    return top + plotH - (plotH * clamped) / max;
  };

  const parts: string[] = [];
  if (axes) {
    for (const fraction of [0, 0.5, 1]) {
      const gy = num(top + plotH - plotH * fraction);
      parts.push(
        `<line class="grid" x1="${left}" x2="${num(left + plotW)}" y1="${gy}" y2="${gy}"/>`,
      );
      parts.push(
        `<text class="axis" x="${left - 4}" y="${gy}" text-anchor="end" dominant-baseline="middle">` +
          `${attributeText(percentText(max * fraction))}</text>`,
      );
    }
  } else {
    const by = num(top + plotH);
    parts.push(`<line class="base" x1="${left}" x2="${num(left + plotW)}" y1="${by}" y2="${by}"/>`);
  }

  // The line: one polyline per unbroken stretch of runs that have the series.
  let stretch: string[] = [];
  const lines: string[] = [];
  points.forEach((p, i) => {
    if (p.value === undefined) {
      if (stretch.length > 1) lines.push(stretch.join(' '));
      stretch = [];
      return;
    }
    stretch.push(`${num(x(i))},${num(y(p.value))}`);
  });
  if (stretch.length > 1) lines.push(stretch.join(' '));
  for (const line of lines) parts.push(`<polyline class="line" points="${line}"/>`);

  points.forEach((p, i) => {
    if (p.value !== undefined) parts.push(marker(x(i), y(p.value), p.success, p.label));
  });

  const title = attributeText(options.title);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="${title}" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<title>${title}</title>${parts.join('')}</svg>`
  );
}
