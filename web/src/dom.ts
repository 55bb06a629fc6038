// A few DOM helpers: the app builds its pages with plain elements, no framework.

type Attrs = Record<string, string | number | boolean | undefined | EventListener>;
type Child = Node | string | number | null | undefined | false;

/** `h('button', { class: 'primary', onclick: go }, 'Start')` → an element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'style') {
      // Through CSSOM: the page's Content-Security-Policy refuses style attributes.
      element.style.cssText = String(value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Sets text only when it changed: cheap at 30 Hz. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

export function formatNumber(value: number, decimals = 0): string {
  return value.toLocaleString('en-GB', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A canvas sized to its box in device pixels; `draw` gets a context scaled to CSS pixels. */
export class FitCanvas {
  readonly canvas: HTMLCanvasElement;
  readonly context: CanvasRenderingContext2D;
  width = 0;
  height = 0;
  readonly #observer: ResizeObserver;
  #onResize: () => void = () => {};

  constructor(className: string, label: string) {
    this.canvas = h('canvas', { class: className, role: 'img', 'aria-label': label });
    const context = this.canvas.getContext('2d');
    if (context === null) throw new Error('canvas 2D is not available');
    this.context = context;
    this.#observer = new ResizeObserver(() => this.#fit());
    this.#observer.observe(this.canvas);
  }

  set onResize(callback: () => void) {
    this.#onResize = callback;
  }

  /** Prepares a frame: clears and scales to CSS pixels. False while the canvas has no size. */
  begin(): boolean {
    if (this.width === 0 || this.height === 0) this.#fit();
    if (this.width === 0 || this.height === 0) return false;
    const ratio = window.devicePixelRatio || 1;
    this.context.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.context.clearRect(0, 0, this.width, this.height);
    return true;
  }

  dispose(): void {
    this.#observer.disconnect();
  }

  #fit(): void {
    const box = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(box.width);
    const height = Math.round(box.height);
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.canvas.width = Math.max(1, Math.round(width * ratio));
    this.canvas.height = Math.max(1, Math.round(height * ratio));
    this.#onResize();
  }
}

/** Colours of the theme, read once from CSS custom properties. */
export function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || '#fff';
}
