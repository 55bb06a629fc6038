// A small line on canvas for one vehicle's last minute (fleet page).
import { FitCanvas, themeColor } from '../dom.ts';

export class Sparkline {
  readonly surface: FitCanvas;
  readonly #color: string;
  readonly #min: number;
  readonly #max: number | undefined;
  #points: readonly (number | null)[] = [];

  constructor(label: string, color: string, min: number, max?: number) {
    this.surface = new FitCanvas('sparkline', label);
    this.#color = themeColor(color);
    this.#min = min;
    this.#max = max;
    this.surface.onResize = () => this.draw();
  }

  get element(): HTMLCanvasElement {
    return this.surface.canvas;
  }

  set points(points: readonly (number | null)[]) {
    this.#points = points;
    this.draw();
  }

  draw(): void {
    const s = this.surface;
    if (!s.begin()) return;
    const points = this.#points;
    if (points.length < 2) return;
    let hi = this.#max ?? Number.NEGATIVE_INFINITY;
    if (this.#max === undefined) for (const p of points) if (p !== null && p > hi) hi = p;
    if (!(hi > this.#min)) hi = this.#min + 1;
    const c = s.context;
    c.strokeStyle = this.#color;
    c.lineWidth = 1.4;
    c.beginPath();
    let pen = false;
    const step = s.width / (points.length - 1);
    points.forEach((p, k) => {
      if (p === null) {
        pen = false;
        return;
      }
      const x = k * step;
      const y = s.height - 2 - ((p - this.#min) / (hi - this.#min)) * (s.height - 4);
      if (pen) c.lineTo(x, y);
      else c.moveTo(x, y);
      pen = true;
    });
    c.stroke();
  }

  dispose(): void {
    this.surface.dispose();
  }
}
