// A metric file holds one line per logged value: `<timestamp> <value> <step>` (MLflow's
// file store, `_log_run_metric`); older files have `<timestamp> <value>` and newer ones may
// add `<dataset name> <dataset digest>`. Values are written the way Python's `str(float)`
// spells the specials (`nan`, `inf`, `-inf`) so every MLflow version parses them.
import { ERROR_CODES, TrackingError } from '../../../errors.js';
import type { Metric } from '../types.js';

export function formatMetricValue(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

export function parseMetricValue(text: string): number {
  switch (text.toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return Number(text);
  }
}

export function formatMetricLine(metric: Metric): string {
  return `${metric.timestamp} ${formatMetricValue(metric.value)} ${metric.step}\n`;
}

/** Parses a metric file's text; `where` names it in errors. */
export function parseMetricLines(key: string, text: string, where: string): Metric[] {
  const metrics: Metric[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const parts = line.split(' ');
    const value = parseMetricValue(parts[1] ?? '');
    const timestamp = Number(parts[0]);
    const step = parts.length >= 3 ? Number(parts[2]) : 0;
    if (
      (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) ||
      !Number.isSafeInteger(timestamp) ||
      !Number.isSafeInteger(step) ||
      (Number.isNaN(value) && !/nan/i.test(parts[1] ?? ''))
    ) {
      throw new TrackingError(
        ERROR_CODES.tracking,
        `metric file ${where} has a malformed line ${JSON.stringify(line)} (expected "timestamp value step")`,
      );
    }
    metrics.push({ key, value, timestamp, step });
  }
  return metrics;
}

/**
 * The value MLflow shows as a metric's latest: the greatest (step, timestamp, value), as
 * `max(..., key=lambda m: (m.step, m.timestamp, m.value))` in the file store.
 */
export function latestMetric(history: readonly Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const m of history) {
    if (
      best === undefined ||
      m.step > best.step ||
      (m.step === best.step &&
        (m.timestamp > best.timestamp || (m.timestamp === best.timestamp && m.value > best.value)))
    ) {
      best = m;
    }
  }
  return best;
}
