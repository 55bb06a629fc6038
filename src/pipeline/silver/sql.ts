// The silver SQL: templates from sql/silver/*.sql with their {{slots}} filled in from the
// field table (fields.ts) and the policy (schema.ts). Rendering is pure, so tests can check
// the text as well as run it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../paths.js';
import {
  EVENT_FIELDS,
  RFC3339,
  SESSION_FIELDS,
  UUID_PATTERN,
  type FieldScope,
  type JsonField,
} from './fields.js';
import { SIGNAL_COLUMNS, SILVER_POLICY } from './schema.js';

export const SILVER_SQL_DIR = path.join(PACKAGE_ROOT, 'sql', 'silver');

export const SILVER_MODELS = [
  'parse',
  'duplicates',
  'telemetry',
  'session_events',
  'quarantine',
  'duplicate_rows',
  'sessions',
  'reconcile',
] as const;
export type SilverModel = (typeof SILVER_MODELS)[number];

const templates = new Map<SilverModel, string>();

function template(model: SilverModel): string {
  let text = templates.get(model);
  if (text === undefined) {
    text = readFileSync(path.join(SILVER_SQL_DIR, `${model}.sql`), 'utf8');
    templates.set(model, text);
  }
  return text;
}

/** Fills `{{slot}}`s; a slot without a value (or a value without a slot) is a bug. */
export function fillSlots(text: string, slots: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const out = text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`SQL template slot {{${name}}} has no value`);
    used.add(name);
    return value;
  });
  for (const name of Object.keys(slots)) {
    if (!used.has(name)) throw new Error(`SQL template has no slot {{${name}}}`);
  }
  return out;
}

const FINITE = '1.7976931348623157e308';

/** An SQL string literal. */
function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function pathList(fields: readonly JsonField[]): string {
  return `[${fields.map((f) => quoteLiteral(f.path)).join(', ')}]`;
}

const raw = (f: JsonField): string => `r_${f.column}`;
const num = (f: JsonField): string => `n_${f.column}`;
const str = (f: JsonField): string => `s_${f.column}`;

function rawColumns(fields: readonly JsonField[], list: string): string {
  return fields.map((f, i) => `CAST(${list}[${i + 1}] AS VARCHAR) AS ${raw(f)}`).join(',\n    ');
}

function valueColumns(fields: readonly JsonField[]): string {
  return fields
    .map((f) => {
      switch (f.kind) {
        case 'integer':
        case 'number':
          return `TRY_CAST(${raw(f)} AS DOUBLE) AS ${num(f)}`;
        case 'string':
          // Without a backslash, a JSON string's text is its value between the quotes.
          return (
            `CASE WHEN NOT starts_with(${raw(f)}, '"') THEN NULL ` +
            `WHEN contains(${raw(f)}, '\\') THEN json_extract_string(${raw(f)}, '$') ` +
            `ELSE ${raw(f)}[2:-2] END AS ${str(f)}`
          );
        case 'boolean':
          return `CASE ${raw(f)} WHEN 'true' THEN true WHEN 'false' THEN false END AS b_${f.column}`;
        case 'object':
          return `coalesce(starts_with(${raw(f)}, '{'), false) AS obj_${f.column}`;
      }
    })
    .join(',\n    ');
}

const SCOPE_CONDITION: Readonly<Record<FieldScope, string>> = {
  envelope: 'in_envelope',
  telemetry: 'in_telemetry',
  session: 'in_session',
  summary: 'in_summary',
};

/** Where the field must be checked: its scope, and its parent object present. */
function applies(f: JsonField): string {
  const scope = SCOPE_CONDITION[f.scope];
  return f.parent === undefined ? scope : `${scope} AND obj_${f.parent}`;
}

function missing(f: JsonField): string {
  return `(${applies(f)} AND ${raw(f)} IS NULL)`;
}

function wrongType(f: JsonField): string {
  const r = raw(f);
  const nullOk = f.nullable === true;
  let bad: string;
  switch (f.kind) {
    case 'integer':
      bad = `CASE WHEN ${r} = 'null' THEN ${!nullOk} ELSE ${num(f)} IS NULL OR (${num(f)} BETWEEN -${FINITE} AND ${FINITE} AND ${num(f)} <> floor(${num(f)})) END`;
      break;
    case 'number':
      bad = `CASE WHEN ${r} = 'null' THEN ${!nullOk} ELSE ${num(f)} IS NULL END`;
      break;
    case 'string':
      bad = nullOk ? `${str(f)} IS NULL AND ${r} <> 'null'` : `${str(f)} IS NULL`;
      break;
    case 'boolean':
      bad = `b_${f.column} IS NULL`;
      break;
    case 'object':
      bad = `NOT obj_${f.column}`;
      break;
  }
  return `(${applies(f)} AND ${r} IS NOT NULL AND (${bad}))`;
}

function outOfRange(f: JsonField): string | undefined {
  if (f.kind !== 'integer' && f.kind !== 'number') return undefined;
  const n = num(f);
  const lo = f.min ?? `-${FINITE}`;
  const hi = f.max ?? FINITE;
  // NaN and ±Infinity are never between two finite bounds (NaN sorts above every number).
  let bad = `NOT (${n} BETWEEN ${lo} AND ${hi})`;
  if (f.kind === 'integer') bad += ` OR TRY_CAST(${raw(f)} AS BIGINT) IS NULL`;
  return `(${applies(f)} AND ${n} IS NOT NULL AND (${bad}))`;
}

/** Schema rules beyond type and range: enums, patterns, lengths, parseable times. */
function violation(f: JsonField): string | undefined {
  const s = str(f);
  switch (f.column) {
    case 'event_type':
      return `(${s} NOT IN ('session_start', 'telemetry', 'session_end'))`;
    case 'event_id':
    case 'session_id':
      return `(NOT regexp_full_match(${s}, ${quoteLiteral(UUID_PATTERN)}))`;
    case 'vehicle_id':
      return `(length(${s}) NOT BETWEEN 1 AND 64)`;
    case 'event_time':
      return `(${s} IS NOT NULL AND t_event_time IS NULL)`;
    default:
      return undefined;
  }
}

/** schema_version is checked on its own: any other version stops the v1 checks. */
function checkedFields(): JsonField[] {
  return [...EVENT_FIELDS, ...SESSION_FIELDS].filter((f) => f.column !== 'schema_version');
}

function outputColumns(): string {
  const signals = SIGNAL_COLUMNS.map((column) => {
    const type = column.type === 'integer' ? 'INTEGER' : 'DOUBLE';
    return `CAST(n_${column.name} AS ${type}) AS ${column.name}`;
  });
  const session = SESSION_FIELDS.filter((f) => f.kind !== 'object').map((f) => {
    const name = f.column;
    switch (f.kind) {
      case 'integer':
        return `TRY_CAST(${raw(f)} AS BIGINT) AS ${name}`;
      case 'number':
        return `${num(f)} AS ${name}`;
      case 'boolean':
        return `b_${f.column} AS ${name}`;
      default:
        return `${str(f)} AS ${name}`;
    }
  });
  return [...signals, ...session].join(',\n  ');
}

const FLAG_KINDS = ['m', 'w', 'v', 'o'] as const;

/** The flag columns of one field: m_ missing, w_ wrong type, v_ violation, o_ out of range. */
function fieldFlags(f: JsonField): string[] {
  const checks = [missing(f), wrongType(f), violation(f), outOfRange(f)];
  return checks.map(
    (check, k) => `coalesce(${check ?? 'false'}, false) AS ${FLAG_KINDS[k]}_${f.column}`,
  );
}

function anyFlag(kind: (typeof FLAG_KINDS)[number], fields: readonly JsonField[]): string {
  return fields.map((f) => `${kind}_${f.column}`).join(' OR ');
}

/** sql/silver/parse.sql with its slots filled. */
export function parseSql(): string {
  const fields = checkedFields();
  const version = EVENT_FIELDS[0] as JsonField;
  const versionWrongType = `(${raw(version)} IS NOT NULL AND (${num(version)} IS NULL OR ${num(version)} <> floor(${num(version)})))`;
  const versionBad = `CASE WHEN ${raw(version)} IS NULL OR ${versionWrongType} OR ${num(version)} <> 1 THEN 'schema_version' END`;
  const badFields = [
    versionBad,
    ...fields.map(
      (f) =>
        `CASE WHEN ${FLAG_KINDS.map((k) => `${k}_${f.column}`).join(' OR ')} THEN ${quoteLiteral(f.path.slice(2))} END`,
    ),
  ];
  return fillSlots(template('parse'), {
    event_paths: pathList(EVENT_FIELDS),
    session_paths: pathList(SESSION_FIELDS),
    event_raw: rawColumns(EVENT_FIELDS, 'j'),
    event_values: valueColumns(EVENT_FIELDS),
    session_raw: rawColumns(SESSION_FIELDS, 'js'),
    session_values: valueColumns(SESSION_FIELDS),
    rfc3339: RFC3339,
    flags: fields.flatMap(fieldFlags).join(',\n    '),
    unsupported_version: `coalesce(${num(version)} <> 1 AND NOT ${versionWrongType}, false)`,
    any_missing: `${raw(version)} IS NULL OR ${anyFlag('m', fields)}`,
    any_wrong_type: `coalesce(${versionWrongType}, false) OR ${anyFlag('w', fields)}`,
    any_violation: anyFlag('v', fields),
    any_out_of_range: anyFlag('o', fields),
    max_future_seconds: String(SILVER_POLICY.maxFutureSeconds),
    max_past_days: String(SILVER_POLICY.maxPastDays),
    bad_fields: badFields.join(',\n      '),
    output_columns: outputColumns(),
  });
}

/** Any other model: no slots. */
export function modelSql(model: Exclude<SilverModel, 'parse'>): string {
  return fillSlots(template(model), {});
}
