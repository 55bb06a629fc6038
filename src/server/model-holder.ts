// Holds the server's driving-style model: opens the model URI at start, tells its status
// (loading, ready, missing with the reason, error), and opens it again on request or on a
// timer, so a model trained or promoted while the server runs is picked up without a restart.
import type { ModelStatus } from './protocol.js';
import type { StyleModel, StyleModelSource } from './style-model.js';

export type ModelListener = (model: StyleModel | undefined, status: ModelStatus) => void;

export class ModelHolder {
  readonly uri: string;
  readonly #source: StyleModelSource | undefined;
  #model: StyleModel | undefined;
  #status: ModelStatus;
  #loading: Promise<ModelStatus> | undefined;
  readonly #listeners = new Set<ModelListener>();
  #closed = false;

  /** `source` undefined: this build cannot score (the status says so). */
  constructor(uri: string, source: StyleModelSource | undefined) {
    this.uri = uri;
    this.#source = source;
    this.#status =
      source === undefined
        ? { state: 'missing', uri, message: 'live scoring is not available in this build' }
        : { state: 'loading', uri };
  }

  get model(): StyleModel | undefined {
    return this.#model;
  }

  get status(): ModelStatus {
    return this.#status;
  }

  /** Called whenever the model or its status changes. */
  onChange(listener: ModelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Opens the URI again; when it names another version than the one held, the new model
   * replaces it. Concurrent calls share one load. Never throws: failures become the status.
   */
  reload(): Promise<ModelStatus> {
    if (this.#source === undefined || this.#closed) return Promise.resolve(this.#status);
    this.#loading ??= this.#load(this.#source).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(source: StyleModelSource): Promise<ModelStatus> {
    let next: ModelStatus;
    let model: StyleModel | undefined;
    try {
      const opened = await source.open(this.uri);
      if (opened.model === undefined) {
        next = { state: 'missing', uri: this.uri, message: opened.reason };
      } else {
        model = opened.model;
        next = { state: 'ready', uri: this.uri, version: model.version, labels: model.labels };
      }
    } catch (error) {
      next = {
        state: 'error',
        uri: this.uri,
        message: `cannot load ${this.uri}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (this.#closed) {
      await model?.close?.();
      return this.#status;
    }
    const previous = this.#model;
    const same =
      model !== undefined && previous !== undefined && model.version === previous.version;
    if (same) {
      // The same version again: keep the engines that are warm.
      await model?.close?.();
      return this.#status;
    }
    // A failed reload keeps serving the model that worked.
    if (model === undefined && previous !== undefined && next.state === 'error') {
      this.#status = { ...this.#status, message: next.message };
      return this.#status;
    }
    const changed =
      model !== previous ||
      next.state !== this.#status.state ||
      next.message !== this.#status.message;
    this.#model = model;
    this.#status = next;
    if (changed) for (const listener of this.#listeners) listener(model, next);
    await previous?.close?.();
    return next;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#loading?.catch(() => undefined);
    await this.#model?.close?.();
    this.#model = undefined;
    this.#listeners.clear();
  }
}
