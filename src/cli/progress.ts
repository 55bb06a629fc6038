// A progress line on a terminal, redrawn in place with `\r`. Redraws are throttled so
// a fast simulation spends its time simulating, not painting.
import type { Writable } from 'node:stream';
import { formatDuration } from '../duration.js';
import type { SimulationProgress } from '../sim/runner.js';
import { formatCount } from './format.js';

/** At most ten redraws a second. */
const REDRAW_INTERVAL_MS = 100;
/** ANSI "erase to end of line": a shorter line must not leave the tail of a longer one. */
const ERASE_LINE = '\r\x1b[K';

export class ProgressLine {
  readonly #stream: Writable;
  readonly #startedMs = performance.now();
  #lastDrawMs = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(stream: Writable) {
    this.#stream = stream;
  }

  /** Redraws the line if the last redraw is old enough. */
  update(progress: SimulationProgress): void {
    const now = performance.now();
    if (now - this.#lastDrawMs < REDRAW_INTERVAL_MS) return;
    this.#lastDrawMs = now;
    this.#stream.write(ERASE_LINE + describeProgress(progress, (now - this.#startedMs) / 1000));
    this.#drawn = true;
  }

  /** Removes the line so the next output starts on a clean line. */
  clear(): void {
    if (this.#drawn) this.#stream.write(ERASE_LINE);
    this.#drawn = false;
  }
}

/** `42.0%  4m12s of 10m simulated  1,234,567 events  812,345 events/s`. */
export function describeProgress(progress: SimulationProgress, wallS: number): string {
  const percent = progress.durationS > 0 ? (100 * progress.simulatedS) / progress.durationS : 100;
  const rate = wallS > 0 ? progress.events / wallS : 0;
  return [
    `${percent.toFixed(1).padStart(5)}%`,
    `${formatDuration(progress.simulatedS)} of ${formatDuration(progress.durationS)} simulated`,
    `${formatCount(progress.events)} events`,
    `${formatCount(rate)} events/s`,
  ].join('  ');
}
