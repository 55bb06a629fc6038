// The pipeline runner: runs the chosen layers in medallion order on one shared DuckDB and
// collects their figures. Layers plug in through `PipelineLayer` (layer.ts).
import { randomUUID } from 'node:crypto';
import { PipelineError } from '../errors.js';
import { DuckDbEngine } from '../lake/index.js';
import {
  LAYER_NAMES,
  type LayerName,
  type LayerResult,
  type PipelineContext,
  type PipelineLayer,
} from './layer.js';

export {
  LAYER_NAMES,
  type LayerName,
  type LayerResult,
  type PipelineContext,
  type PipelineLayer,
} from './layer.js';

/**
 * How each layer is loaded, in run order. Imports are lazy so `pitwall --help` stays fast
 * and a layer's dependencies load only when it runs.
 */
const LAYER_LOADERS: Readonly<Record<LayerName, () => Promise<PipelineLayer>>> = {
  silver: async () => (await import('./silver/index.js')).silverLayer,
  gold: async () => (await import('./gold/index.js')).goldLayer,
};

export interface RunPipelineOptions {
  /** Lake root folder. */
  readonly lakeRoot: string;
  /** Layers to run; they always run in medallion order (silver before gold). */
  readonly layers: readonly LayerName[];
  readonly fullRefresh?: boolean;
  /** Progress lines, with the layer name first. */
  readonly onProgress?: (layer: LayerName, message: string) => void;
  /** Called as each layer finishes, before the next starts. */
  readonly onLayerDone?: (report: LayerReport) => void;
  readonly signal?: AbortSignal;
  /** A DuckDB engine to use; by default the run starts one and closes it. */
  readonly engine?: DuckDbEngine;
  /** Layer implementations to use instead of the built-in ones (tests). */
  readonly implementations?: Partial<Record<LayerName, PipelineLayer>>;
}

export interface LayerReport extends LayerResult {
  readonly layer: LayerName;
  readonly seconds: number;
}

export interface PipelineSummary {
  readonly runId: string;
  readonly layers: readonly LayerReport[];
  readonly seconds: number;
}

/**
 * Runs `layers` over the lake at `lakeRoot`. A failing layer stops the run (later layers
 * do not run) and its error propagates.
 *
 * @example
 * const summary = await runPipeline({ lakeRoot: '.pitwall/lake', layers: ['silver'] });
 */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineSummary> {
  const wanted = new Set(options.layers);
  const order = LAYER_NAMES.filter((name) => wanted.has(name));
  if (order.length === 0) throw new PipelineError('no layer to run');
  const runId = randomUUID();
  const engine = options.engine ?? new DuckDbEngine();
  const signal = options.signal ?? new AbortController().signal;
  const started = performance.now();
  const reports: LayerReport[] = [];
  try {
    for (const name of order) {
      signal.throwIfAborted();
      const layer = options.implementations?.[name] ?? (await LAYER_LOADERS[name]());
      const context: PipelineContext = {
        lakeRoot: options.lakeRoot,
        engine,
        fullRefresh: options.fullRefresh ?? false,
        runId,
        progress: (message) => options.onProgress?.(name, message),
        signal,
      };
      const layerStarted = performance.now();
      const result = await layer.run(context);
      const report: LayerReport = {
        ...result,
        layer: name,
        seconds: (performance.now() - layerStarted) / 1000,
      };
      reports.push(report);
      options.onLayerDone?.(report);
    }
  } finally {
    if (options.engine === undefined) engine.close();
  }
  return { runId, layers: reports, seconds: (performance.now() - started) / 1000 };
}
