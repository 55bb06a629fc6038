// The JSON fields silver reads from a bronze value, with the checks schema v1 puts on them:
// the envelope and the 20 signals (from SIGNALS), and the session / summary objects of
// session events. parse-sql.ts turns this table into the SQL of sql/silver/parse.sql.
import { SIGNALS } from '../../telemetry/index.js';

export type JsonKind = 'string' | 'integer' | 'number' | 'boolean' | 'object';

/** When a field is required: always, or only for some event types. */
export type FieldScope = 'envelope' | 'telemetry' | 'session' | 'summary';

export interface JsonField {
  /** SQL-safe column stem, e.g. `engine_rpm`, `session_car_id`. */
  readonly column: string;
  /** JSONPath inside the event, e.g. `$.signals.engine_rpm`. */
  readonly path: string;
  readonly kind: JsonKind;
  readonly scope: FieldScope;
  /** The parent object's column, checked first (a missing parent is reported alone). */
  readonly parent?: string;
  /** JSON null allowed (signals: sensor dropouts; scenario). */
  readonly nullable?: boolean;
  readonly min?: number;
  readonly max?: number;
}

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
/** RFC 3339 date-time, as JSON Schema's `date-time` format asks. */
export const RFC3339 =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$';
export const UUID_PATTERN = UUID;

/** Envelope fields, then `signals` and the signals, in the order of the extraction list. */
export const EVENT_FIELDS: readonly JsonField[] = [
  { column: 'schema_version', path: '$.schema_version', kind: 'integer', scope: 'envelope' },
  { column: 'event_type', path: '$.event_type', kind: 'string', scope: 'envelope' },
  { column: 'event_id', path: '$.event_id', kind: 'string', scope: 'envelope' },
  { column: 'vehicle_id', path: '$.vehicle_id', kind: 'string', scope: 'envelope' },
  { column: 'session_id', path: '$.session_id', kind: 'string', scope: 'envelope' },
  { column: 'seq', path: '$.seq', kind: 'integer', scope: 'envelope', min: 0 },
  { column: 'event_time', path: '$.event_time', kind: 'string', scope: 'envelope' },
  { column: 'signals', path: '$.signals', kind: 'object', scope: 'telemetry' },
  ...SIGNALS.map((signal): JsonField => ({
    column: signal.name,
    path: `$.signals.${signal.name}`,
    kind: signal.type,
    scope: 'telemetry',
    parent: 'signals',
    nullable: true,
    min: signal.min,
    max: signal.max,
  })),
];

const sessionField = (name: string, kind: JsonKind, extra: Partial<JsonField> = {}): JsonField => ({
  column: `session_${name}`,
  path: `$.session.${name}`,
  kind,
  scope: 'session',
  parent: 'session',
  ...extra,
});

const summaryField = (name: string, kind: JsonKind): JsonField => ({
  column: `summary_${name}`,
  path: `$.summary.${name}`,
  kind,
  scope: 'summary',
  parent: 'summary',
  min: 0,
});

/** Fields of session_start / session_end events (the JSON Schema's session and summary). */
export const SESSION_FIELDS: readonly JsonField[] = [
  { column: 'session', path: '$.session', kind: 'object', scope: 'session' },
  sessionField('car_id', 'string'),
  sessionField('car_name', 'string'),
  sessionField('driver_profile', 'string'),
  sessionField('route_id', 'string'),
  sessionField('seed', 'integer'),
  sessionField('session_index', 'integer', { min: 0 }),
  sessionField('hz', 'number', { min: 1, max: 100 }),
  sessionField('ambient_temp_c', 'number'),
  sessionField('cargo_kg', 'number', { min: 0 }),
  sessionField('cold_start', 'boolean'),
  sessionField('scenario', 'string', { nullable: true }),
  sessionField('simulator', 'string'),
  { column: 'summary', path: '$.summary', kind: 'object', scope: 'summary' },
  summaryField('duration_s', 'number'),
  summaryField('distance_km', 'number'),
  summaryField('fuel_used_l', 'number'),
  summaryField('avg_speed_kmh', 'number'),
  summaryField('max_speed_kmh', 'number'),
  summaryField('samples_emitted', 'integer'),
  summaryField('samples_lost', 'integer'),
];
