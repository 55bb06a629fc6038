// Splitting one logBatch into requests MLflow accepts: at most 1000 metrics, 100 params,
// 100 tags and 1000 entities in all per `runs/log-batch` (mlflow/utils/validation.py,
// `_validate_batch_log_limits`). Order is kept within each kind, so a metric's history
// arrives in the order it was logged.
import type { LogBatch } from '../types.js';
import { MLFLOW_LIMITS } from '../validation.js';

export interface BatchLimits {
  readonly metrics: number;
  readonly params: number;
  readonly tags: number;
  readonly entities: number;
}

export const MLFLOW_BATCH_LIMITS: BatchLimits = {
  metrics: MLFLOW_LIMITS.metricsPerBatch,
  params: MLFLOW_LIMITS.paramsPerBatch,
  tags: MLFLOW_LIMITS.tagsPerBatch,
  entities: MLFLOW_LIMITS.entitiesPerBatch,
};

/** `batch` → requests within `limits`; params and tags go first, metrics fill what is left. */
export function splitBatch(batch: LogBatch, limits: BatchLimits = MLFLOW_BATCH_LIMITS): LogBatch[] {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  const out: LogBatch[] = [];
  let m = 0;
  let p = 0;
  let t = 0;
  while (m < metrics.length || p < params.length || t < tags.length) {
    const nParams = Math.min(limits.params, params.length - p, limits.entities);
    const nTags = Math.min(limits.tags, tags.length - t, limits.entities - nParams);
    const nMetrics = Math.min(
      limits.metrics,
      metrics.length - m,
      limits.entities - nParams - nTags,
    );
    out.push({
      metrics: metrics.slice(m, m + nMetrics),
      params: params.slice(p, p + nParams),
      tags: tags.slice(t, t + nTags),
    });
    m += nMetrics;
    p += nParams;
    t += nTags;
  }
  return out;
}
