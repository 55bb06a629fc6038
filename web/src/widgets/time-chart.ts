// A live line chart of the last N seconds on canvas. Points go into fixed ring buffers
// (no allocation per point); a frame is drawn only when points arrived, and each series
// is one path with at most one vertex per horizontal pixel column.
import { FitCanvas, h, themeColor } from '../dom.ts';

export interface SeriesSpec {
  readonly name: string;
  /** A theme colour name (`--series-1`) or any CSS colour. */
  readonly color: string;
}

export interface TimeChartOptions {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly SeriesSpec[];
  readonly windowS: number;
  /** Points per second kept (the state rate). */
  readonly rateHz: number;
  /** Fixed range; otherwise the visible data's range, padded. */
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
}

export class TimeChart {
  readonly element: HTMLElement;
  readonly #surface: FitCanvas;
  readonly #options: TimeChartOptions;
  readonly #capacity: number;
  readonly #t: Float64Array;
  readonly #values: Float32Array[];
  #count = 0;
  #head = 0;
  #dirty = true;
  #max: number | undefined;
  readonly #colors: string[];
  readonly #grid = themeColor('grid');
  readonly #dim = themeColor('text-dim');
  readonly #legendValues: HTMLElement[] = [];

  constructor(options: TimeChartOptions) {
    this.#options = options;
    this.#max = options.max;
    this.#capacity = Math.ceil(options.windowS * options.rateHz * 1.25) + 8;
    this.#t = new Float64Array(this.#capacity);
    this.#values = options.series.map(() => new Float32Array(this.#capacity));
    this.#colors = options.series.map((s) =>
      s.color.startsWith('--') ? themeColor(s.color.slice(2)) : s.color,
    );
    this.#surface = new FitCanvas('chart-canvas', `${options.title} over the last minute`);
    this.#surface.onResize = () => {
      this.#dirty = true;
    };
    const legend = h('div', { class: 'chart-legend' });
    options.series.forEach((s, k) => {
      const value = h('span', { class: 'legend-value' }, '–');
      this.#legendValues.push(value);
      legend.append(
        h(
          'span',
          { class: 'legend-item' },
          h('span', { class: 'swatch', style: `background:${this.#colors[k]}` }),
          s.name,
          ' ',
          value,
        ),
      );
    });
    this.element = h(
      'figure',
      { class: 'chart' },
      h('figcaption', {}, h('span', { class: 'chart-title' }, options.title), legend),
      this.#surface.canvas,
    );
  }

  /** Changes the fixed upper bound (another car's rev limit). */
  set max(value: number | undefined) {
    this.#max = value;
    this.#dirty = true;
  }

  clear(): void {
    this.#count = 0;
    this.#head = 0;
    this.#dirty = true;
    for (const value of this.#legendValues) value.textContent = '–';
  }

  /** Adds one point per series at time `t` (seconds); NaN leaves a gap. */
  push(t: number, values: readonly number[]): void {
    const at = this.#head;
    this.#t[at] = t;
    for (let k = 0; k < this.#values.length; k++) this.#values[k]![at] = values[k] ?? Number.NaN;
    this.#head = (at + 1) % this.#capacity;
    if (this.#count < this.#capacity) this.#count++;
    this.#dirty = true;
  }

  draw(): void {
    if (!this.#dirty) return;
    const s = this.#surface;
    if (!s.begin()) return;
    this.#dirty = false;
    const c = s.context;
    const o = this.#options;
    const padLeft = 40;
    const padRight = 6;
    const padTop = 6;
    const padBottom = 16;
    const w = s.width - padLeft - padRight;
    const hgt = s.height - padTop - padBottom;
    if (w <= 10 || hgt <= 10) return;

    const n = this.#count;
    const last = n === 0 ? 0 : this.#t[(this.#head - 1 + this.#capacity) % this.#capacity]!;
    const first = last - o.windowS;
    // Range of the visible data, unless fixed.
    let lo = o.min ?? Number.POSITIVE_INFINITY;
    let hi = this.#max ?? Number.NEGATIVE_INFINITY;
    if (o.min === undefined || this.#max === undefined) {
      for (let i = 0; i < n; i++) {
        const at = (this.#head - n + i + this.#capacity) % this.#capacity;
        if (this.#t[at]! < first) continue;
        for (const series of this.#values) {
          const v = series[at]!;
          if (v !== v) continue;
          if (o.min === undefined && v < lo) lo = v;
          if (this.#max === undefined && v > hi) hi = v;
        }
      }
      if (!Number.isFinite(lo)) lo = 0;
      if (!Number.isFinite(hi)) hi = 1;
      if (hi - lo < 1e-6) hi = lo + 1;
      const pad = (hi - lo) * 0.08;
      if (o.min === undefined) lo -= pad;
      if (this.#max === undefined) hi += pad;
    }
    const x = (t: number) => padLeft + ((t - first) / o.windowS) * w;
    const y = (v: number) => padTop + hgt - ((v - lo) / (hi - lo)) * hgt;

    // Grid: four horizontal lines with values, vertical lines every 10 s.
    c.strokeStyle = this.#grid;
    c.lineWidth = 1;
    c.fillStyle = this.#dim;
    c.font = '10px system-ui, sans-serif';
    c.textAlign = 'right';
    c.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
      const v = lo + ((hi - lo) * k) / 4;
      const yy = Math.round(y(v)) + 0.5;
      c.beginPath();
      c.moveTo(padLeft, yy);
      c.lineTo(padLeft + w, yy);
      c.stroke();
      c.fillText(v.toFixed(o.decimals ?? 0), padLeft - 4, yy);
    }
    c.textAlign = 'center';
    c.textBaseline = 'top';
    for (let k = 0; k <= o.windowS; k += 10) {
      const xx = Math.round(padLeft + (k / o.windowS) * w) + 0.5;
      c.beginPath();
      c.moveTo(xx, padTop);
      c.lineTo(xx, padTop + hgt);
      c.stroke();
      // The last label ends at the edge instead of being cut by it.
      c.textAlign = k === o.windowS ? 'right' : 'center';
      c.fillText(k === o.windowS ? 'now' : `−${o.windowS - k}s`, xx, padTop + hgt + 3);
    }

    // Series: one vertex per pixel column (the column's last point) keeps paths short.
    c.lineWidth = 1.6;
    c.lineJoin = 'round';
    this.#values.forEach((series, k) => {
      c.strokeStyle = this.#colors[k]!;
      c.beginPath();
      let pen = false;
      let lastColumn = -1;
      let latest = Number.NaN;
      for (let i = 0; i < n; i++) {
        const at = (this.#head - n + i + this.#capacity) % this.#capacity;
        const t = this.#t[at]!;
        if (t < first) continue;
        const v = series[at]!;
        if (v !== v) {
          pen = false;
          continue;
        }
        latest = v;
        const xx = x(t);
        const column = Math.round(xx);
        if (pen && column === lastColumn && i < n - 1) continue;
        lastColumn = column;
        const yy = y(Math.min(hi, Math.max(lo, v)));
        if (pen) c.lineTo(xx, yy);
        else c.moveTo(xx, yy);
        pen = true;
      }
      c.stroke();
      const text = latest === latest ? `${latest.toFixed(o.decimals ?? 0)} ${o.unit}` : '–';
      if (this.#legendValues[k]!.textContent !== text) this.#legendValues[k]!.textContent = text;
    });
  }

  dispose(): void {
    this.#surface.dispose();
  }
}
