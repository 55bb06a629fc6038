// Hot model swap: polls where a model is published (a registry alias such as
// `models:/driving-style@production`) through a function it is given, and when the version
// there changes, loads the new model and installs it in a ModelSlot — the engines reading
// that slot use it from their next window, without a restart. A failed poll or load keeps
// the model in service and is reported, never thrown from the timer.
import { MlError } from '../errors.js';
import type { ModelSlot, StyleModel } from './model.js';

/** What a poll finds: the version published now, and how to load it. */
export interface PublishedModel {
  readonly version: string;
  load(): Promise<StyleModel>;
}

/** Asks the registry (or anything else) which model is published now. */
export type ModelResolver = () => Promise<PublishedModel>;

export interface ModelWatcherOptions {
  readonly resolve: ModelResolver;
  readonly slot: ModelSlot;
  /** Poll period, ms (≥ 100). Default 30 000. */
  readonly intervalMs?: number;
  /** A model was installed (the first one, or a swap). */
  readonly onSwap?: (model: StyleModel, previous: StyleModel | undefined) => void;
  /** A poll or load failed; the current model stays. */
  readonly onError?: (error: unknown) => void;
}

export const MODEL_WATCHER_DEFAULTS = { intervalMs: 30_000 } as const;

/**
 * @example
 * const slot = new ModelSlot(FEATURES.map((f) => f.name));
 * const watcher = new ModelWatcher({ resolve: registryResolver('models:/driving-style@production'), slot });
 * await watcher.start(); // loads the current model or throws
 * // … engines built with { model: slot } …
 * watcher.stop();
 */
export class ModelWatcher {
  readonly intervalMs: number;
  readonly #options: ModelWatcherOptions;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<boolean> | undefined;
  /** The version last installed. */
  #version: string | undefined;
  #swaps = 0;

  constructor(options: ModelWatcherOptions) {
    const interval = options.intervalMs ?? MODEL_WATCHER_DEFAULTS.intervalMs;
    if (!Number.isFinite(interval) || interval < 100)
      throw new RangeError(`intervalMs must be at least 100, got ${interval}`);
    this.intervalMs = interval;
    this.#options = options;
  }

  /** The version in service, once one was installed. */
  get version(): string | undefined {
    return this.#version;
  }

  /** Models installed so far (the first one counts). */
  get swaps(): number {
    return this.#swaps;
  }

  /**
   * Installs the published model (throws if there is none or it cannot be loaded), then
   * polls every `intervalMs` until `stop`.
   */
  async start(): Promise<StyleModel> {
    await this.check({ rethrow: true });
    this.#schedule();
    return this.#options.slot.model!;
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One poll: loads and installs the published model if its version differs from the one
   * in service. Resolves true when it swapped. Concurrent calls share one poll. Errors go
   * to `onError` (or are thrown with `rethrow`).
   */
  check(options: { readonly rethrow?: boolean } = {}): Promise<boolean> {
    const run = (this.#checking ??= this.#poll().finally(() => (this.#checking = undefined)));
    return run.catch((error: unknown) => {
      if (options.rethrow === true) throw error;
      this.#options.onError?.(error);
      return false;
    });
  }

  async #poll(): Promise<boolean> {
    const published = await this.#options.resolve();
    if (published.version === this.#version) return false;
    const model = await published.load();
    if (model.version !== published.version) {
      throw new MlError(
        `the registry published version ${published.version} but the model loaded says ${model.version}`,
      );
    }
    const slot = this.#options.slot;
    const previous = slot.model;
    slot.set(model);
    this.#version = published.version;
    this.#swaps++;
    this.#options.onSwap?.(model, previous);
    return true;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      void this.check().finally(() => {
        if (this.#timer !== undefined) this.#schedule();
      });
    }, this.intervalMs);
    // A watcher alone does not keep the process alive.
    this.#timer.unref();
  }
}
