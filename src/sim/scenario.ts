// Scenario files: events scripted on each session's timeline (a cold start, a hot day,
// harsh braking, a steep climb, a temporary speed limit, a sensor failure), for demos
// and tests. JSON or YAML, validated against `schemas/scenario.schema.json`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ScenarioError } from '../errors.js';
import { parseDuration } from '../duration.js';
import { SCENARIOS_DIR } from '../paths.js';
import { describeSchemaError, schemaValidator } from '../schema-validator.js';
import { SIGNALS, SIGNAL_INDEX, type SignalName } from '../telemetry/signals.js';
import { STRIDE, V, type FleetState } from './fleet-state.js';
import { SENSOR_FAILURE_MODES } from './sensors.js';

export type ScenarioAction =
  | { readonly type: 'cold_start' }
  | { readonly type: 'ambient'; readonly tempC: number }
  | { readonly type: 'harsh_brake'; readonly durationS: number }
  | { readonly type: 'grade'; readonly gradePct: number; readonly durationS: number }
  | { readonly type: 'speed_limit'; readonly limitKmh: number; readonly durationS: number }
  | {
      readonly type: 'sensor_failure';
      readonly signal: SignalName;
      readonly mode: keyof typeof SENSOR_FAILURE_MODES;
      readonly durationS: number;
    };

export interface ScenarioEvent {
  readonly atS: number;
  /** Vehicle indices, or undefined for every vehicle. */
  readonly vehicles: readonly number[] | undefined;
  readonly action: ScenarioAction;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Sorted by time. */
  readonly events: readonly ScenarioEvent[];
}

interface RawEvent {
  at: number | string;
  type: ScenarioAction['type'];
  vehicles?: number[];
  temp_c?: number;
  duration?: number | string;
  grade_pct?: number;
  limit_kmh?: number;
  signal?: string;
  mode?: 'null' | 'frozen' | 'noisy';
}

function seconds(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return typeof value === 'number' ? value : parseDuration(value)!;
}

/** Validates a parsed scenario document and turns it into sorted, typed events. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const validate = schemaValidator('scenario.schema.json');
  if (!validate(value))
    throw new ScenarioError(`${source}: ${describeSchemaError(validate.errors)}`);
  const raw = value as { name: string; description?: string; events: RawEvent[] };
  const events = raw.events.map((event, k): ScenarioEvent => {
    const atS = seconds(event.at, 0);
    let action: ScenarioAction;
    switch (event.type) {
      case 'cold_start':
        action = { type: 'cold_start' };
        break;
      case 'ambient':
        action = { type: 'ambient', tempC: event.temp_c! };
        break;
      case 'harsh_brake':
        action = { type: 'harsh_brake', durationS: seconds(event.duration, 3) };
        break;
      case 'grade':
        action = {
          type: 'grade',
          gradePct: event.grade_pct!,
          durationS: seconds(event.duration, 0),
        };
        break;
      case 'speed_limit':
        action = {
          type: 'speed_limit',
          limitKmh: event.limit_kmh!,
          durationS: seconds(event.duration, 0),
        };
        break;
      case 'sensor_failure': {
        if (!(event.signal! in SIGNAL_INDEX)) {
          throw new ScenarioError(
            `${source}: /events/${k}/signal: unknown signal "${event.signal}" (known: ${SIGNALS.map((s) => s.name).join(', ')})`,
          );
        }
        action = {
          type: 'sensor_failure',
          signal: event.signal as SignalName,
          mode: event.mode!,
          durationS: seconds(event.duration, 0),
        };
        break;
      }
    }
    return { atS, vehicles: event.vehicles, action };
  });
  events.sort((a, b) => a.atS - b.atS);
  return { name: raw.name, description: raw.description ?? '', events };
}

/** Reads a scenario from a `.json`, `.yaml` or `.yml` file, or a shipped scenario by name. */
export function loadScenario(fileOrName: string): Scenario {
  const file = /[\\/]|\.(json|ya?ml)$/.test(fileOrName)
    ? fileOrName
    : path.join(SCENARIOS_DIR, `${fileOrName}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : (code ?? String(error));
    throw new ScenarioError(`cannot read scenario ${file}: ${reason}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ScenarioError(
      `${path.basename(file)}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`,
      { cause: error },
    );
  }
  return parseScenario(parsed, path.basename(file));
}

/** Applies one scenario action to vehicle `i` at its current session time. */
export function applyScenarioAction(s: FleetState, i: number, action: ScenarioAction): void {
  const d = s.data;
  const b = i * STRIDE;
  const t = d[b + V.sessionTimeS]!;
  switch (action.type) {
    case 'cold_start': {
      const ambient = d[b + V.ambientC]!;
      d[b + V.coolantC] = ambient;
      d[b + V.oilC] = ambient;
      d[b + V.brakeDiscC] = ambient;
      break;
    }
    case 'ambient':
      d[b + V.ambientC] = action.tempC;
      break;
    case 'harsh_brake':
      d[b + V.harshBrakeUntilS] = t + action.durationS;
      break;
    case 'grade': {
      const grade = action.gradePct / 100;
      const norm = 1 / Math.sqrt(1 + grade * grade);
      d[b + V.gradeOverrideSin] = grade * norm;
      d[b + V.gradeOverrideCos] = norm;
      d[b + V.gradeOverrideUntilS] = t + action.durationS;
      break;
    }
    case 'speed_limit':
      d[b + V.limitOverrideMps] = action.limitKmh / 3.6;
      d[b + V.limitOverrideUntilS] = t + action.durationS;
      break;
    case 'sensor_failure':
      d[b + V.sensorFailureSignal] = SIGNAL_INDEX[action.signal];
      d[b + V.sensorFailureMode] = SENSOR_FAILURE_MODES[action.mode];
      d[b + V.sensorFailureUntilS] = t + action.durationS;
      break;
  }
}
