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
  type JsonKind,
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
    // TRY_CAST: a quarantined row's NaN or 1e999 gear must not stop the run.
    return `${type === 'INTEGER' ? 'TRY_CAST' : 'CAST'}(n_${column.name} AS ${type}) AS ${column.name}`;
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

/** The largest integer a double holds exactly: a larger `seq` takes the general path. */
const MAX_EXACT_INTEGER = '9007199254740991';

/** Telemetry fields the fast path reads: the envelope, `signals` and the signals. */
function fastFields(): JsonField[] {
  return EVENT_FIELDS.filter((f) => f.scope === 'envelope' || f.scope === 'telemetry');
}

/** Fields the fast path reads as JSON text rather than as a VARCHAR value. */
const asJsonText = (f: JsonField): boolean =>
  f.kind === 'integer' || f.kind === 'number' || f.column === 'vehicle_id';

/**
 * A field of the fast path's struct `t`, e.g. `t.signals.engine_rpm`. JSON text is read as
 * VARCHAR: a cast straight from DuckDB's JSON type would parse it and coerce `"3000"`.
 */
function member(f: JsonField): string {
  const path = f.parent === undefined ? `t.${f.column}` : `t.${f.parent}.${f.column}`;
  return asJsonText(f) ? `CAST(${path} AS VARCHAR)` : path;
}

/**
 * The json_transform structure of the fast path. Numbers and `vehicle_id` come as JSON text
 * (json_transform would coerce "3000" or true to a number and 12 to a string, which schema
 * v1 refuses); the other strings as VARCHAR, whose checks only a JSON string can pass.
 */
function fastStructure(): string {
  const type = (f: JsonField): unknown => {
    if (f.kind === 'object') {
      return Object.fromEntries(
        fastFields()
          .filter((c) => c.parent === f.column)
          .map((c) => [c.column, type(c)]),
      );
    }
    return asJsonText(f) ? 'JSON' : 'VARCHAR';
  };
  const top = fastFields().filter((f) => f.parent === undefined);
  return JSON.stringify(Object.fromEntries(top.map((f) => [f.column, type(f)])));
}

/** Fast-path values, computed as the general path computes them from the same JSON text. */
function fastValues(): string {
  return fastFields()
    .filter((f) => f.kind !== 'object')
    .map((f) => {
      const m = member(f);
      if (f.kind === 'integer' || f.kind === 'number')
        return `TRY_CAST(${m} AS DOUBLE) AS ${num(f)}`;
      if (f.column === 'vehicle_id') {
        return `CASE WHEN contains(${m}, '\\') THEN json_extract_string(${m}, '$') ELSE ${m}[2:-2] END AS ${str(f)}`;
      }
      return `${m} AS ${str(f)}`;
    })
    .join(',\n    ');
}

/**
 * The fast-path test: every field present and not null, and every check of the general path
 * passed, as positive tests on the same values. A JSON null signal (a dropout) is valid
 * telemetry, but json_transform cannot tell it from a missing one: such rows take the
 * general path.
 */
function fastChecks(): string {
  const checks = ['t IS NOT NULL'];
  for (const f of fastFields()) {
    const m = member(f);
    switch (f.kind) {
      case 'object':
        checks.push(`${m} IS NOT NULL`);
        break;
      case 'string':
        switch (f.column) {
          case 'event_type':
            checks.push(`${str(f)} = 'telemetry'`);
            break;
          case 'event_id':
          case 'session_id':
            checks.push(`regexp_full_match(${str(f)}, ${quoteLiteral(UUID_PATTERN)})`);
            break;
          case 'vehicle_id':
            checks.push(`starts_with(${m}, '"')`, `length(${str(f)}) BETWEEN 1 AND 64`);
            break;
          case 'event_time':
            checks.push(
              `regexp_full_match(${str(f)}, ${quoteLiteral(RFC3339)})`,
              'f_event_time IS NOT NULL',
            );
            break;
          default:
            throw new Error(`${f.path}: no fast-path rule for this string field`);
        }
        break;
      case 'integer':
      case 'number': {
        const n = num(f);
        if (f.column === 'schema_version') {
          checks.push(`${m} = '1'`);
          break;
        }
        const lo = f.min ?? `-${FINITE}`;
        const hi = f.column === 'seq' ? MAX_EXACT_INTEGER : (f.max ?? FINITE);
        checks.push(`${n} BETWEEN ${lo} AND ${hi}`);
        if (f.kind === 'integer') checks.push(`${n} = floor(${n})`);
        break;
      }
      default:
        throw new Error(`${f.path}: no fast-path check for ${f.kind} fields`);
    }
  }
  return checks.join('\n      AND ');
}

function fastOutputColumns(): string {
  return SIGNAL_COLUMNS.map((column) => {
    const type = column.type === 'integer' ? 'INTEGER' : 'DOUBLE';
    // TRY_CAST: a quarantined row's NaN or 1e999 gear must not stop the run.
    return `${type === 'INTEGER' ? 'TRY_CAST' : 'CAST'}(n_${column.name} AS ${type}) AS ${column.name}`;
  }).join(',\n  ');
}

/** The general path's session columns, typed, all NULL (fast-path rows are telemetry). */
function noSessionColumns(): string {
  const types: Readonly<Record<JsonKind, string>> = {
    integer: 'BIGINT',
    number: 'DOUBLE',
    boolean: 'BOOLEAN',
    string: 'VARCHAR',
    object: 'BOOLEAN',
  };
  return SESSION_FIELDS.filter((f) => f.kind !== 'object')
    .map((f) => `CAST(NULL AS ${types[f.kind]}) AS ${f.column}`)
    .join(',\n  ');
}

export interface ParseSqlOptions {
  /**
   * Take canonical telemetry through the fast path (default). Off, every row takes the
   * general path: the tests compare the two.
   */
  readonly fastPath?: boolean;
}

/**
 * The statements of sql/silver/parse.sql with their slots filled: the fast path into
 * `silver_parsed`, the general path into `silver_slow` for the rows it left, and the merge.
 */
export function parseStatements(options: ParseSqlOptions = {}): string[] {
  return parseSql(options)
    .split(/;\n/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** sql/silver/parse.sql with its slots filled (several statements). */
export function parseSql(options: ParseSqlOptions = {}): string {
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
    fast_enabled: options.fastPath === false ? 'false' : 'true',
    fast_structure: fastStructure(),
    fast_values: fastValues(),
    fast_checks: fastChecks(),
    fast_output_columns: fastOutputColumns(),
    no_session_columns: noSessionColumns(),
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
