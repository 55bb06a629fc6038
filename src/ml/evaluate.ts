// `pitwall evaluate`: recorded telemetry with known sessions through the live inference path
// (one InferenceEngine per session, a verdict per second), scored against each session's
// true driver profile from its session_start. What a deployed model does on new data.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { IoError, MlError } from '../errors.js';
import type { InferenceEngine } from '../inference/engine.js';
import type { ResolveModelOptions } from './registry/index.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';

export interface EvaluateOptions {
  /** `models:/name@alias`, `models:/name/N`, `runs:/<id>/model` or a model folder. */
  readonly modelUri: string;
  /** NDJSON of schema-v1 events (`pitwall simulate --out`), `-` not supported. */
  readonly telemetryFile: string;
  readonly resolve?: ResolveModelOptions;
  readonly onProgress?: (message: string) => void;
}

export interface EvaluateResult {
  readonly modelVersion: string;
  /** Per-second verdicts scored against their session's true profile. */
  readonly metrics: ClassificationMetrics;
  readonly predictions: number;
  /** Sessions with a known profile and at least one verdict. */
  readonly sessions: number;
  /** Share of sessions whose most frequent verdict is their true profile. */
  readonly sessionAccuracy: number;
  /** Lines that were not usable events (not JSON, not an object, unknown session). */
  readonly skippedLines: number;
  /** Telemetry of sessions whose session_start was not in the file (not scored). */
  readonly unlabeledEvents: number;
}

interface SessionState {
  label: string | undefined;
  engine: InferenceEngine;
  verdicts: string[];
}

/**
 * Runs a telemetry file through the live engine with the model at `modelUri`.
 *
 * @example
 * const r = await evaluateTelemetry({ modelUri: 'models:/driving-style@production', telemetryFile: 'unseen.ndjson' });
 * console.log(r.metrics.macroF1);
 */
export async function evaluateTelemetry(options: EvaluateOptions): Promise<EvaluateResult> {
  try {
    if (!(await stat(options.telemetryFile)).isFile()) throw new Error('not a file');
  } catch {
    throw new IoError(`no telemetry file at ${options.telemetryFile}`);
  }
  const { loadModelUri, InferenceEngine } = await import('../inference/index.js');
  const model = await loadModelUri(options.modelUri, options.resolve ?? {});
  options.onProgress?.(
    `model ${options.modelUri} (version ${model.version}), classes ${model.classes.join(', ')}`,
  );
  const sessions = new Map<string, SessionState>();
  const sessionOf = (id: string): SessionState => {
    let state = sessions.get(id);
    if (state === undefined) {
      const created: SessionState = {
        label: undefined,
        verdicts: [],
        engine: new InferenceEngine({
          model,
          onPrediction: (p) => created.verdicts.push(p.label),
        }),
      };
      state = created;
      sessions.set(id, state);
    }
    return state;
  };
  let skipped = 0;
  let lines = 0;
  const input = createInterface({
    input: createReadStream(options.telemetryFile, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  for await (const line of input) {
    lines++;
    if (line.trim() === '') continue;
    let event: Record<string, unknown>;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      event = parsed as Record<string, unknown>;
    } catch {
      skipped++;
      continue;
    }
    const id = event['session_id'];
    if (typeof id !== 'string') {
      skipped++;
      continue;
    }
    if (event['event_type'] === 'session_start') {
      const profile = (event['session'] as { driver_profile?: unknown } | undefined)
        ?.driver_profile;
      if (typeof profile === 'string') sessionOf(id).label = profile;
      continue;
    }
    if (event['event_type'] !== 'telemetry') continue;
    try {
      sessionOf(id).engine.addSample(event as never);
    } catch {
      skipped++;
    }
  }
  if (lines === 0) throw new MlError(`${options.telemetryFile} is empty`);
  const yTrue: string[] = [];
  const yPred: string[] = [];
  let scoredSessions = 0;
  let sessionHits = 0;
  let unlabeled = 0;
  for (const state of sessions.values()) {
    if (state.label === undefined) {
      unlabeled += state.verdicts.length;
      continue;
    }
    if (state.verdicts.length === 0) continue;
    scoredSessions++;
    const counts = new Map<string, number>();
    for (const v of state.verdicts) {
      yTrue.push(state.label);
      yPred.push(v);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    if (top === state.label) sessionHits++;
  }
  if (yTrue.length === 0) {
    throw new MlError(
      `no verdicts to score in ${options.telemetryFile}: it needs session_start events (true profiles) and at least 10 s of telemetry per session`,
    );
  }
  const labels = [...new Set([...yTrue, ...yPred])].sort();
  return {
    modelVersion: model.version,
    metrics: classificationMetrics(yTrue, yPred, { labels }),
    predictions: yTrue.length,
    sessions: scoredSessions,
    sessionAccuracy: sessionHits / scoredSessions,
    skippedLines: skipped,
    unlabeledEvents: unlabeled,
  };
}
