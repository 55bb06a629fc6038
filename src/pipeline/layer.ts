// The contract between the pipeline runner and its layers (silver, gold): what a layer gets
// (`PipelineContext`) and what it reports back (`LayerResult`). See docs/pipeline.md.
import type { DuckDbEngine } from '../lake/index.js';

export const LAYER_NAMES = ['silver', 'gold'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** What the runner hands every layer. */
export interface PipelineContext {
  /** Lake root folder; tables live at `<lakeRoot>/<layer>/<table>`. */
  readonly lakeRoot: string;
  /** One DuckDB shared by every layer of the run (set work stays in DuckDB). */
  readonly engine: DuckDbEngine;
  /** Rebuild the layer's tables from their whole input instead of the new part only. */
  readonly fullRefresh: boolean;
  /** A UUID for this run, for layers that record runs (expectation results, data docs). */
  readonly runId: string;
  /** Reports a progress line (the CLI prefixes the layer name; quiet runs drop it). */
  readonly progress: (message: string) => void;
  /** Aborted when the user stops the run; layers check it between steps. */
  readonly signal: AbortSignal;
}

/** A layer's figures for one run; the runner prints them in its summary table. */
export interface LayerResult {
  /** Rows read from the layer's input (for silver: new bronze rows). */
  readonly rowsIn: number;
  /** Rows written to the layer's main table. */
  readonly rowsOut: number;
  /** Rows routed to quarantine (0 for layers without one). */
  readonly quarantined: number;
  /** Rows routed to the duplicate audit (0 for layers without one). */
  readonly duplicates: number;
  /** Expectations evaluated in this layer, when the data-quality gate ran. */
  readonly expectations?: { readonly passed: number; readonly failed: number };
  /** True when the input held nothing new and no table changed. */
  readonly upToDate: boolean;
  /** Table path under the lake root → the version this run left it at. */
  readonly tables: Readonly<Record<string, number>>;
  /** Extra one-line facts for the summary (e.g. "input bronze v12..v15"). */
  readonly notes?: readonly string[];
}

/**
 * One step of the medallion pipeline. `run` reads its input tables, writes its output
 * tables through the lake API, and must be idempotent: running it again with no new input
 * changes nothing and reports `upToDate`.
 *
 * @example
 * export const goldLayer: PipelineLayer = {
 *   name: 'gold',
 *   async run(ctx) {
 *     ctx.progress('10 s windows over silver v7..v9');
 *     return { rowsIn: 0, rowsOut: 0, quarantined: 0, duplicates: 0, upToDate: true, tables: {} };
 *   },
 * };
 */
export interface PipelineLayer {
  readonly name: LayerName;
  run(context: PipelineContext): Promise<LayerResult>;
}
