// The silver layer: parsed, validated, deduplicated telemetry with quarantine and audit.
export {
  silverLayer,
  createSilverLayer,
  runSilver,
  reconcile,
  type SilverCounts,
  type SilverLayerOptions,
} from './silver-layer.js';
export {
  SILVER_APP_ID,
  SILVER_TABLES,
  SILVER_TABLE_SPECS,
  SILVER_POLICY,
  REASON_CODES,
  TELEMETRY_SCHEMA,
  SESSION_EVENTS_SCHEMA,
  SESSIONS_SCHEMA,
  QUARANTINE_SCHEMA,
  DUPLICATES_SCHEMA,
  type ReasonCode,
  type SilverTable,
  type SilverTableSpec,
} from './schema.js';
export { parseSql, modelSql, fillSlots, SILVER_MODELS, type SilverModel } from './sql.js';
export { EVENT_FIELDS, SESSION_FIELDS, type JsonField } from './fields.js';
