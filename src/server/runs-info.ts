// The model page's data: training runs with their metrics, parameters and feature
// importances, read through the part of a tracking store the page needs (MLflow's
// experiments, runs and artifacts; `src/ml/tracking`'s stores have this shape).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunView } from './protocol.js';

/** The slice of a tracking store the model page reads. */
export interface RunsStore {
  listExperiments(): Promise<readonly { readonly experimentId: string; readonly name: string }[]>;
  searchRuns(
    experimentIds: readonly string[],
    options?: { maxResults?: number },
  ): Promise<readonly TrackedRun[]>;
  artifactRepository(artifactUri: string): {
    list(path?: string): Promise<readonly { readonly path: string; readonly isDir: boolean }[]>;
    download(path: string | undefined, destDir: string): Promise<string>;
  };
}

export interface TrackedRun {
  readonly info: {
    readonly runId: string;
    readonly experimentId: string;
    readonly runName: string;
    readonly status: string;
    readonly startTime: number;
    readonly endTime: number | undefined;
    readonly artifactUri: string;
  };
  readonly data: {
    readonly metrics: readonly { readonly key: string; readonly value: number }[];
    readonly params: Readonly<Record<string, string>>;
  };
}

export interface RunsSource {
  readonly trackingUri: string;
  listRuns(): Promise<{ runs: RunView[]; message?: string }>;
}

/** Metric keys that carry one feature's importance: `feature_importance.<feature>`. */
const IMPORTANCE_METRIC = /^(?:feature_importance|importance)[./](.+)$/;
/**
 * Artifacts that hold importances as JSON: `feature_importance(s).json` (`{feature: value}`
 * or `[{feature, importance}]`), or the trainer's `metrics.json` with its
 * `permutation_importance` list (`[{name, mean, std}]`).
 */
const IMPORTANCE_FILE = /(^|\/)(feature_importances?|metrics)\.json$/;
const MAX_RUNS = 50;

type Importance = { feature: string; importance: number };

/** Importances from a parsed JSON artifact, in the shapes above, largest first. */
export function parseImportances(value: unknown): Importance[] {
  const out: Importance[] = [];
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const entry = item as Record<string, unknown>;
      const feature = entry['feature'] ?? entry['name'];
      const importance = entry['importance'] ?? entry['value'] ?? entry['mean'];
      if (typeof feature === 'string' && typeof importance === 'number')
        out.push({ feature, importance });
    }
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of ['feature_importances', 'importances', 'permutation_importance']) {
      if (record[key] !== undefined && record[key] !== null) return parseImportances(record[key]);
    }
    // A plain {feature: value} map; a metrics file without importances has none.
    if ('accuracy' in record) return [];
    for (const [feature, importance] of Object.entries(record))
      if (typeof importance === 'number') out.push({ feature, importance });
  }
  return out
    .filter((e) => Number.isFinite(e.importance))
    .sort((a, b) => b.importance - a.importance);
}

/** Runs of every active experiment, newest first, with importances where recorded. */
export function trackingRuns(trackingUri: string, store: RunsStore): RunsSource {
  // A finished run's artifacts do not change: their importances are read once.
  const finished = new Map<string, Importance[]>();
  return {
    trackingUri,
    async listRuns() {
      const experiments = await store.listExperiments();
      if (experiments.length === 0) {
        return { runs: [], message: `no experiments in ${trackingUri} yet (run: pitwall train)` };
      }
      const names = new Map(experiments.map((e) => [e.experimentId, e.name]));
      const runs = await store.searchRuns(
        experiments.map((e) => e.experimentId),
        { maxResults: MAX_RUNS },
      );
      const views: RunView[] = [];
      for (const run of runs) {
        const metrics: Record<string, number> = {};
        const fromMetrics: Record<string, number> = {};
        for (const metric of run.data.metrics) {
          const match = IMPORTANCE_METRIC.exec(metric.key);
          if (match) fromMetrics[match[1]!] = metric.value;
          else metrics[metric.key] = metric.value;
        }
        let importances = parseImportances(fromMetrics);
        if (importances.length === 0) {
          importances = finished.get(run.info.runId) ?? (await artifactImportances(store, run));
          if (run.info.status === 'FINISHED') finished.set(run.info.runId, importances);
        }
        views.push({
          runId: run.info.runId,
          name: run.info.runName,
          experiment: names.get(run.info.experimentId) ?? run.info.experimentId,
          status: run.info.status,
          startTimeMs: run.info.startTime,
          endTimeMs: run.info.endTime ?? null,
          metrics,
          params: run.data.params,
          featureImportances: importances,
        });
      }
      return runs.length === 0
        ? { runs: views, message: `no runs in ${trackingUri} yet (run: pitwall train)` }
        : { runs: views };
    },
  };
}

async function artifactImportances(store: RunsStore, run: TrackedRun): Promise<Importance[]> {
  const temp = await mkdtemp(path.join(tmpdir(), 'pitwall-run-'));
  try {
    const repo = store.artifactRepository(run.info.artifactUri);
    // The root and one level below it (`model/`, `metrics/`): where trainers put such files.
    const top = await repo.list();
    const candidates = top.filter((a) => !a.isDir && IMPORTANCE_FILE.test(a.path));
    for (const dir of top.filter((a) => a.isDir)) {
      for (const entry of await repo.list(dir.path))
        if (!entry.isDir && IMPORTANCE_FILE.test(entry.path)) candidates.push(entry);
    }
    // Files named for importances first; a metrics file only as a fallback.
    candidates.sort(
      (a, b) => Number(a.path.endsWith('metrics.json')) - Number(b.path.endsWith('metrics.json')),
    );
    for (const candidate of candidates) {
      const local = await repo.download(candidate.path, temp);
      const found = parseImportances(JSON.parse(await readFile(local, 'utf8')));
      if (found.length > 0) return found;
    }
  } catch {
    // A run whose artifacts cannot be read still shows its metrics.
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return [];
}
