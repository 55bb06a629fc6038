// A round gauge on canvas: a 240° scale with ticks, an optional red zone (the car's
// redline to its rev limit), a needle, and the value written in the middle.
import { FitCanvas, themeColor } from '../dom.ts';

export interface GaugeOptions {
  readonly label: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** Values from here to `max` are drawn in the warning colour. */
  readonly redFrom?: number;
  /** Scale numbers are divided by this (1000 for rpm: "x1000"). */
  readonly scaleDivisor?: number;
  readonly majorStep: number;
  readonly decimals?: number;
}

const SWEEP = (240 * Math.PI) / 180;
const START = Math.PI / 2 + (Math.PI * 2 - SWEEP) / 2;

export class Gauge {
  readonly surface: FitCanvas;
  #options: GaugeOptions;
  #value = 0;
  #dirty = true;
  readonly #colors = {
    text: themeColor('text'),
    dim: themeColor('text-dim'),
    track: themeColor('gauge-track'),
    accent: themeColor('accent'),
    red: themeColor('danger'),
    needle: themeColor('needle'),
  };

  constructor(options: GaugeOptions, className = 'gauge') {
    this.#options = options;
    this.surface = new FitCanvas(className, `${options.label} gauge`);
    this.surface.onResize = () => {
      this.#dirty = true;
    };
  }

  get element(): HTMLCanvasElement {
    return this.surface.canvas;
  }

  /** New scale (another car's redline); redraws at the next frame. */
  configure(options: GaugeOptions): void {
    this.#options = options;
    this.surface.canvas.setAttribute('aria-label', `${options.label} gauge`);
    this.#dirty = true;
  }

  set value(value: number) {
    if (value !== this.#value) {
      this.#value = value;
      this.#dirty = true;
    }
  }

  /** Draws if something changed since the last frame. */
  draw(): void {
    if (!this.#dirty) return;
    const s = this.surface;
    if (!s.begin()) return;
    this.#dirty = false;
    const o = this.#options;
    const c = s.context;
    const cx = s.width / 2;
    const cy = s.height * 0.54;
    const r = Math.min(s.width / 2, s.height / 1.75) - 6;
    if (r < 10) return;
    const angleOf = (v: number) =>
      START + (SWEEP * (Math.min(o.max, Math.max(o.min, v)) - o.min)) / (o.max - o.min);
    const width = Math.max(4, r * 0.09);

    c.lineCap = 'butt';
    c.lineWidth = width;
    c.strokeStyle = this.#colors.track;
    c.beginPath();
    c.arc(cx, cy, r - width / 2, START, START + SWEEP);
    c.stroke();
    if (o.redFrom !== undefined) {
      c.strokeStyle = this.#colors.red;
      c.beginPath();
      c.arc(cx, cy, r - width / 2, angleOf(o.redFrom), START + SWEEP);
      c.stroke();
    }
    c.strokeStyle = this.#colors.accent;
    c.beginPath();
    c.arc(cx, cy, r - width / 2, START, angleOf(this.#value));
    c.stroke();

    // Ticks and numbers.
    c.fillStyle = this.#colors.dim;
    c.strokeStyle = this.#colors.dim;
    c.lineWidth = 1.5;
    c.font = `${Math.max(9, Math.round(r * 0.13))}px system-ui, sans-serif`;
    c.textAlign = 'center';
    c.textBaseline = 'middle';
    for (let v = o.min; v <= o.max + 1e-9; v += o.majorStep) {
      const a = angleOf(v);
      const cos = Math.cos(a);
      const sin = Math.sin(a);
      c.beginPath();
      c.moveTo(cx + cos * (r - width - 2), cy + sin * (r - width - 2));
      c.lineTo(cx + cos * (r - width - r * 0.1), cy + sin * (r - width - r * 0.1));
      c.stroke();
      if (r > 45) {
        const label = String(Math.round((v / (o.scaleDivisor ?? 1)) * 10) / 10);
        c.fillText(label, cx + cos * (r - width - r * 0.22), cy + sin * (r - width - r * 0.22));
      }
    }

    // Needle.
    const a = angleOf(this.#value);
    c.strokeStyle = this.#colors.needle;
    c.lineWidth = Math.max(2, r * 0.035);
    c.lineCap = 'round';
    c.beginPath();
    c.moveTo(cx - Math.cos(a) * r * 0.08, cy - Math.sin(a) * r * 0.08);
    c.lineTo(cx + Math.cos(a) * (r - width - 4), cy + Math.sin(a) * (r - width - 4));
    c.stroke();
    c.fillStyle = this.#colors.needle;
    c.beginPath();
    c.arc(cx, cy, Math.max(3, r * 0.05), 0, Math.PI * 2);
    c.fill();

    // Value and unit.
    c.fillStyle =
      o.redFrom !== undefined && this.#value >= o.redFrom ? this.#colors.red : this.#colors.text;
    c.font = `600 ${Math.round(r * 0.3)}px system-ui, sans-serif`;
    c.fillText(this.#value.toFixed(o.decimals ?? 0), cx, cy + r * 0.48);
    c.fillStyle = this.#colors.dim;
    c.font = `${Math.max(9, Math.round(r * 0.13))}px system-ui, sans-serif`;
    c.fillText(
      o.scaleDivisor !== undefined && o.scaleDivisor !== 1
        ? `${o.unit} ×${o.scaleDivisor}`
        : o.unit,
      cx,
      cy + r * 0.75,
    );
    c.fillText(o.label, cx, cy - r * 0.35);
  }

  dispose(): void {
    this.surface.dispose();
  }
}
