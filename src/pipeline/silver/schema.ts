// The silver tables: their paths under the lake root, columns and partitioning, the reason
// codes of quarantine, and the validation policy (clock-skew bounds). See docs/pipeline.md.
import type { LakeField, TableSchema } from '../../lake/index.js';
import { SIGNALS } from '../../telemetry/index.js';

/** Delta application id recording the bronze version silver consumed (txn version). */
export const SILVER_APP_ID = 'pitwall-silver';

export const SILVER_TABLES = {
  telemetry: 'silver/telemetry',
  sessionEvents: 'silver/session_events',
  sessions: 'silver/sessions',
  quarantine: 'silver/quarantine',
  duplicates: 'silver/duplicates',
} as const;
export type SilverTable = keyof typeof SILVER_TABLES;

/**
 * Quarantine reason codes, in precedence order (the first that applies is `reason`).
 * `expectation_failed` is given by the data-quality gate to otherwise valid telemetry that
 * failed an expectation marked `quarantine` (docs/data-quality.md); it is always alone, and
 * `fields` then names the failed expectations as `suite/id`.
 */
export const REASON_CODES = [
  'unparseable',
  'unsupported_schema_version',
  'missing_field',
  'wrong_type',
  'schema_violation',
  'out_of_range',
  'clock_skew',
  'expectation_failed',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Validation policy; values are part of the silver contract (docs/pipeline.md). */
export const SILVER_POLICY = {
  /** An event time later than its bronze ingest time by more than this is clock skew. */
  maxFutureSeconds: 3600,
  /** An event time earlier than its bronze ingest time by more than this is clock skew. */
  maxPastDays: 3650,
} as const;

const BRONZE_COORDINATES = [
  { name: 'bronze_topic', type: 'string', nullable: false },
  { name: 'bronze_partition', type: 'integer', nullable: false },
  { name: 'bronze_offset', type: 'long', nullable: false },
  { name: 'ingest_time', type: 'timestamp', nullable: false },
] as const satisfies readonly LakeField[];

/** The 20 signals of schema v1 as columns: double, but `gear` as integer. */
export const SIGNAL_COLUMNS: readonly LakeField[] = SIGNALS.map((signal) => ({
  name: signal.name,
  type: signal.name === 'gear' ? 'integer' : 'double',
}));

export const TELEMETRY_SCHEMA: TableSchema = {
  fields: [
    { name: 'event_date', type: 'date', nullable: false },
    { name: 'session_id', type: 'string', nullable: false },
    { name: 'vehicle_id', type: 'string', nullable: false },
    { name: 'seq', type: 'long', nullable: false },
    { name: 'event_id', type: 'string', nullable: false },
    { name: 'event_time', type: 'timestamp', nullable: false },
    ...SIGNAL_COLUMNS,
    ...BRONZE_COORDINATES,
  ],
};

const SESSION_INFO: readonly LakeField[] = [
  { name: 'car_id', type: 'string' },
  { name: 'car_name', type: 'string' },
  { name: 'driver_profile', type: 'string' },
  { name: 'route_id', type: 'string' },
  { name: 'seed', type: 'long' },
  { name: 'session_index', type: 'long' },
  { name: 'hz', type: 'double' },
  { name: 'ambient_temp_c', type: 'double' },
  { name: 'cargo_kg', type: 'double' },
  { name: 'cold_start', type: 'boolean' },
  { name: 'scenario', type: 'string' },
  { name: 'simulator', type: 'string' },
];

const SESSION_SUMMARY: readonly LakeField[] = [
  { name: 'duration_s', type: 'double' },
  { name: 'distance_km', type: 'double' },
  { name: 'fuel_used_l', type: 'double' },
  { name: 'avg_speed_kmh', type: 'double' },
  { name: 'max_speed_kmh', type: 'double' },
  { name: 'samples_emitted', type: 'long' },
  { name: 'samples_lost', type: 'long' },
];

/** One row per valid session_start / session_end event (summary columns null for starts). */
export const SESSION_EVENTS_SCHEMA: TableSchema = {
  fields: [
    { name: 'session_id', type: 'string', nullable: false },
    { name: 'vehicle_id', type: 'string', nullable: false },
    { name: 'seq', type: 'long', nullable: false },
    { name: 'event_id', type: 'string', nullable: false },
    { name: 'event_type', type: 'string', nullable: false },
    { name: 'event_time', type: 'timestamp', nullable: false },
    ...SESSION_INFO,
    ...SESSION_SUMMARY,
    ...BRONZE_COORDINATES,
  ],
};

/** One row per session seen in silver; rewritten (one file) by every run that changes it. */
export const SESSIONS_SCHEMA: TableSchema = {
  fields: [
    { name: 'session_id', type: 'string', nullable: false },
    { name: 'vehicle_id', type: 'string' },
    ...SESSION_INFO,
    { name: 'started_at', type: 'timestamp' },
    { name: 'ended_at', type: 'timestamp' },
    { name: 'first_event_time', type: 'timestamp' },
    { name: 'last_event_time', type: 'timestamp' },
    { name: 'telemetry_events', type: 'long', nullable: false },
    { name: 'duplicate_events', type: 'long', nullable: false },
    { name: 'samples_emitted', type: 'long' },
    { name: 'samples_lost', type: 'long' },
    { name: 'duration_s', type: 'double' },
    { name: 'distance_km', type: 'double' },
  ],
};

export const QUARANTINE_SCHEMA: TableSchema = {
  fields: [
    ...BRONZE_COORDINATES,
    { name: 'reason', type: 'string', nullable: false },
    { name: 'reasons', type: 'string', nullable: false },
    { name: 'fields', type: 'string' },
    { name: 'session_id', type: 'string' },
    { name: 'seq', type: 'long' },
    { name: 'event_type', type: 'string' },
    { name: 'value_size', type: 'integer', nullable: false },
    { name: 'value', type: 'binary', nullable: false },
  ],
};

export const DUPLICATES_SCHEMA: TableSchema = {
  fields: [
    { name: 'session_id', type: 'string', nullable: false },
    { name: 'seq', type: 'long', nullable: false },
    { name: 'event_id', type: 'string', nullable: false },
    { name: 'event_type', type: 'string', nullable: false },
    { name: 'event_time', type: 'timestamp', nullable: false },
    ...BRONZE_COORDINATES,
    { name: 'original_topic', type: 'string' },
    { name: 'original_partition', type: 'integer' },
    { name: 'original_offset', type: 'long' },
    { name: 'value_size', type: 'integer', nullable: false },
  ],
};

export interface SilverTableSpec {
  readonly path: string;
  readonly schema: TableSchema;
  readonly partitionColumns: readonly string[];
  readonly description: string;
}

export const SILVER_TABLE_SPECS: Readonly<Record<SilverTable, SilverTableSpec>> = {
  telemetry: {
    path: SILVER_TABLES.telemetry,
    schema: TELEMETRY_SCHEMA,
    partitionColumns: ['event_date'],
    description: 'Parsed, typed, deduplicated telemetry events (schema v1), by event date',
  },
  sessionEvents: {
    path: SILVER_TABLES.sessionEvents,
    schema: SESSION_EVENTS_SCHEMA,
    partitionColumns: [],
    description: 'Valid session_start and session_end events',
  },
  sessions: {
    path: SILVER_TABLES.sessions,
    schema: SESSIONS_SCHEMA,
    partitionColumns: [],
    description: 'One row per session: car, driver profile, route, start/end, event counts',
  },
  quarantine: {
    path: SILVER_TABLES.quarantine,
    schema: QUARANTINE_SCHEMA,
    partitionColumns: [],
    description: 'Bronze rows silver refused, raw, with reason codes',
  },
  duplicates: {
    path: SILVER_TABLES.duplicates,
    schema: DUPLICATES_SCHEMA,
    partitionColumns: [],
    description: 'Bronze rows whose (session_id, seq) silver already holds',
  },
};
