// Expectation suites as data: YAML (or JSON) files in Great Expectations' suite structure
// (`expectation_suite_name`, `expectations: [{expectation_type, kwargs, meta}]`) with
// Pitwall's additions in `meta`. Loading validates each file once, against a JSON Schema
// and against the table it names, and fails with one line naming the file and the path.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { ExpectationSuiteError } from '../../errors.js';
import type { LakeType, TableSchema } from '../../lake/index.js';
import { PACKAGE_ROOT } from '../../paths.js';
import { GOLD_TABLES, goldSchema } from '../gold/schema.js';
import { SILVER_TABLE_SPECS, SILVER_TABLES } from '../silver/schema.js';
import {
  COLUMN_KIND_TEXT,
  EXPECTATION_TYPE_NAMES,
  EXPECTATION_TYPES,
  INCREASING_TYPE,
  columnFits,
  isExpectationType,
  type ExpectationType,
  type ExpectationTypeSpec,
} from './expectation-types.js';
import type { ExpectationScope, Severity } from './model.js';

/** The suites shipped with Pitwall. */
export const DEFAULT_SUITES_DIR = path.join(PACKAGE_ROOT, 'expectations');

export const SEVERITIES = ['critical', 'warning'] as const satisfies readonly Severity[];

/** One expectation of a suite, validated and with its defaults filled in. */
export interface Expectation {
  /** Unique within the suite; the quarantine's `fields` names failed ones by it. */
  readonly id: string;
  readonly type: ExpectationType;
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly severity: Severity;
  readonly scope: ExpectationScope;
  /** Failing rows go to silver/quarantine (row-level expectations on silver/telemetry only). */
  readonly quarantine: boolean;
  readonly description?: string;
  /** Position in the suite file (0-based), for messages. */
  readonly index: number;
}

export interface ExpectationSuite {
  readonly name: string;
  /** The table it checks, relative to the lake root (`silver/telemetry`). */
  readonly table: string;
  /** Columns that identify a row in failing-row samples. */
  readonly keyColumns: readonly string[];
  readonly description?: string;
  /** The file it came from, as shown in messages. */
  readonly file: string;
  readonly expectations: readonly Expectation[];
}

export interface DqTableSpec {
  readonly schema: TableSchema;
  /** Row-level expectations may route failing rows to quarantine. */
  readonly quarantine: boolean;
}

/** The lake tables a suite may name, with their columns. */
export const DQ_TABLES: Readonly<Record<string, DqTableSpec>> = {
  [SILVER_TABLES.telemetry]: { schema: SILVER_TABLE_SPECS.telemetry.schema, quarantine: true },
  [SILVER_TABLES.sessionEvents]: {
    schema: SILVER_TABLE_SPECS.sessionEvents.schema,
    quarantine: false,
  },
  [SILVER_TABLES.sessions]: { schema: SILVER_TABLE_SPECS.sessions.schema, quarantine: false },
  [SILVER_TABLES.quarantine]: { schema: SILVER_TABLE_SPECS.quarantine.schema, quarantine: false },
  [SILVER_TABLES.duplicates]: { schema: SILVER_TABLE_SPECS.duplicates.schema, quarantine: false },
  [GOLD_TABLES.features]: { schema: goldSchema(), quarantine: false },
};

const NAME = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' } as const;
const ID = { type: 'string', pattern: '^[A-Za-z0-9_.:@-]+$', maxLength: 200 } as const;

/** The suite file's structure; kwargs are checked per expectation type afterwards. */
const SUITE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['expectation_suite_name', 'meta', 'expectations'],
  properties: {
    expectation_suite_name: NAME,
    data_asset_type: { type: ['string', 'null'] },
    meta: {
      type: 'object',
      additionalProperties: false,
      required: ['table'],
      properties: {
        table: { type: 'string' },
        key_columns: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        description: { type: 'string' },
        notes: {},
        great_expectations_version: { type: 'string' },
      },
    },
    expectations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['expectation_type', 'kwargs'],
        properties: {
          expectation_type: { type: 'string' },
          kwargs: { type: 'object' },
          meta: {
            type: 'object',
            additionalProperties: false,
            properties: {
              id: ID,
              severity: { enum: SEVERITIES },
              description: { type: 'string' },
              quarantine: { type: 'boolean' },
              notes: {},
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
let suiteValidator: ValidateFunction | undefined;
const kwargsValidators = new Map<ExpectationType, ValidateFunction>();

function validateSuiteShape(value: unknown): ErrorObject | undefined {
  suiteValidator ??= ajv.compile(SUITE_SCHEMA);
  return suiteValidator(value) ? undefined : (suiteValidator.errors?.[0] ?? undefined);
}

function validateKwargs(type: ExpectationType, value: unknown): ErrorObject | undefined {
  let validate = kwargsValidators.get(type);
  if (validate === undefined) {
    validate = ajv.compile((EXPECTATION_TYPES[type] as ExpectationTypeSpec).kwargs);
    kwargsValidators.set(type, validate);
  }
  return validate(value) ? undefined : (validate.errors?.[0] ?? undefined);
}

/** `/expectations/3/kwargs/min_value` → `expectations[3].kwargs.min_value`. */
function pathText(prefix: string, pointer: string): string {
  let out = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out === '' ? '(root)' : out;
}

function describeError(prefix: string, error: ErrorObject): string {
  const at = pathText(prefix, error.instancePath);
  const join = (key: string): string => (at === '(root)' ? key : `${at}.${key}`);
  switch (error.keyword) {
    case 'required':
      return `${join(String(error.params['missingProperty']))}: is required`;
    case 'additionalProperties':
      return `${join(String(error.params['additionalProperty']))}: unknown key`;
    case 'enum':
      return `${at}: must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
    case 'type':
      return `${at}: must be ${String(error.params['type']).replace(',', ' or ')}`;
    default:
      return `${at}: ${error.message ?? 'is invalid'}`;
  }
}

/** Edit distance, for "did you mean" on expectation type names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function unknownType(name: string): string {
  const closest = [...EXPECTATION_TYPE_NAMES].sort(
    (x, y) => distance(name, x) - distance(name, y),
  )[0]!;
  const hint =
    distance(name, closest) <= Math.max(3, name.length / 4)
      ? `did you mean ${closest}?`
      : 'see pitwall dq list --types';
  return `unknown expectation type '${name}' (${hint})`;
}

/** The columns an expectation names, with where in its kwargs each one is. */
export function expectationColumns(
  type: ExpectationType,
  kwargs: Readonly<Record<string, unknown>>,
): { readonly column: string; readonly at: string }[] {
  const out: { column: string; at: string }[] = [];
  if (typeof kwargs['column'] === 'string') out.push({ column: kwargs['column'], at: 'column' });
  const list = (key: string): void => {
    const value = kwargs[key];
    if (Array.isArray(value))
      value.forEach((c, k) => out.push({ column: String(c), at: `${key}[${k}]` }));
  };
  list('column_list');
  if (type === INCREASING_TYPE) {
    list('group_by');
    if (typeof kwargs['order_by'] === 'string') {
      out.push({ column: kwargs['order_by'], at: 'order_by' });
    }
  }
  return out;
}

/** Checks of the kwargs that JSON Schema cannot say; returns `path: problem` or undefined. */
function checkSemantics(
  type: ExpectationType,
  kwargs: Readonly<Record<string, unknown>>,
  table: string,
  columnTypes: ReadonlyMap<string, LakeType>,
): string | undefined {
  for (const { column, at } of expectationColumns(type, kwargs)) {
    if (!columnTypes.has(column)) return `kwargs.${at}: no column '${column}' in ${table}`;
  }
  const spec = EXPECTATION_TYPES[type] as ExpectationTypeSpec;
  const column = kwargs['column'];
  if (spec.column !== undefined && typeof column === 'string') {
    const columnType = columnTypes.get(column)!;
    if (!columnFits(spec.column, columnType)) {
      return `kwargs.column: '${column}' is ${columnType}; ${type} needs ${COLUMN_KIND_TEXT[spec.column]}`;
    }
  }
  if (type.endsWith('_to_be_between')) {
    const min = kwargs['min_value'];
    const max = kwargs['max_value'];
    if ((min === undefined || min === null) && (max === undefined || max === null)) {
      return 'kwargs: give min_value, max_value or both';
    }
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      return `kwargs.min_value: ${min} is above max_value ${max}`;
    }
  }
  if (type === 'expect_column_values_to_be_in_set' && typeof column === 'string') {
    const columnType = columnTypes.get(column)!;
    const wanted =
      columnType === 'boolean'
        ? 'boolean'
        : columnType === 'integer' || columnType === 'long' || columnType === 'double'
          ? 'number'
          : 'string';
    const values = kwargs['value_set'] as unknown[];
    const bad = values.findIndex((value) => typeof value !== wanted);
    if (bad >= 0) {
      return `kwargs.value_set[${bad}]: ${JSON.stringify(values[bad])} is not a ${wanted} like column '${column}' (${columnType})`;
    }
  }
  return undefined;
}

function defaultId(type: ExpectationType, kwargs: Readonly<Record<string, unknown>>): string {
  const columns = expectationColumns(type, kwargs)
    .filter((c) => !c.at.startsWith('group_by') && c.at !== 'order_by')
    .map((c) => c.column);
  return columns.length === 0 ? type : `${type}:${columns.join(',')}`;
}

/**
 * Validates a parsed suite document (`source` names it in errors) and returns the suite.
 *
 * @example
 * const suite = parseSuite(parseYaml(text), 'expectations/silver_telemetry.yml');
 */
export function parseSuite(value: unknown, source: string): ExpectationSuite {
  const fail = (problem: string): never => {
    throw new ExpectationSuiteError(`${source}: ${problem}`);
  };
  const shapeError = validateSuiteShape(value);
  if (shapeError !== undefined) fail(describeError('', shapeError));
  const raw = value as {
    expectation_suite_name: string;
    meta: { table: string; key_columns?: string[]; description?: string };
    expectations: {
      expectation_type: string;
      kwargs: Record<string, unknown>;
      meta?: { id?: string; severity?: Severity; description?: string; quarantine?: boolean };
    }[];
  };
  const table = DQ_TABLES[raw.meta.table];
  if (table === undefined) {
    fail(
      `meta.table: unknown table '${raw.meta.table}' (known: ${Object.keys(DQ_TABLES).join(', ')})`,
    );
  }
  const { schema, quarantine: canQuarantine } = table!;
  const columnTypes = new Map(schema.fields.map((f) => [f.name, f.type]));
  const keyColumns = raw.meta.key_columns ?? [];
  keyColumns.forEach((column, k) => {
    if (!columnTypes.has(column)) {
      fail(`meta.key_columns[${k}]: no column '${column}' in ${raw.meta.table}`);
    }
  });
  const ids = new Set<string>();
  const expectations = raw.expectations.map((entry, index): Expectation => {
    const at = `expectations[${index}]`;
    const type = entry.expectation_type;
    if (!isExpectationType(type)) return fail(`${at}.expectation_type: ${unknownType(type)}`);
    const kwargsError = validateKwargs(type, entry.kwargs);
    if (kwargsError !== undefined) fail(describeError(`${at}.kwargs`, kwargsError));
    const problem = checkSemantics(type, entry.kwargs, raw.meta.table, columnTypes);
    if (problem !== undefined) fail(`${at}.${problem}`);
    const spec = EXPECTATION_TYPES[type] as ExpectationTypeSpec;
    const meta = entry.meta ?? {};
    const quarantine = meta.quarantine ?? false;
    if (quarantine && spec.scope !== 'row') {
      fail(
        `${at}.meta.quarantine: only row-level expectations can route rows to quarantine (${type} judges the whole table)`,
      );
    }
    if (quarantine && !canQuarantine) {
      fail(
        `${at}.meta.quarantine: rows of ${raw.meta.table} cannot be quarantined (only silver/telemetry rows can)`,
      );
    }
    const id = meta.id ?? defaultId(type, entry.kwargs);
    if (ids.has(id)) {
      fail(
        `${at}.meta.id: '${id}' is used twice in the suite${meta.id === undefined ? ' (give each expectation its own meta.id)' : ''}`,
      );
    }
    ids.add(id);
    return {
      id,
      type,
      kwargs: entry.kwargs,
      severity: meta.severity ?? 'warning',
      scope: spec.scope,
      quarantine,
      index,
      ...(meta.description === undefined ? {} : { description: meta.description }),
    };
  });
  return {
    name: raw.expectation_suite_name,
    table: raw.meta.table,
    keyColumns,
    file: source,
    expectations,
    ...(raw.meta.description === undefined ? {} : { description: raw.meta.description }),
  };
}

/** A path as shown in messages: relative to the working folder when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? relative
    : file;
}

/** Reads and validates one suite file (`.yml`, `.yaml` or `.json`). */
export function loadSuiteFile(file: string): ExpectationSuite {
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ExpectationSuiteError(
      `cannot read expectation suite ${shown}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
      { cause: error },
    );
  }
  let parsed: unknown;
  const json = file.endsWith('.json');
  try {
    parsed = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new ExpectationSuiteError(`${shown}: not valid ${json ? 'JSON' : 'YAML'} (${reason})`, {
      cause: error,
    });
  }
  return parseSuite(parsed, shown);
}

const SUITE_FILE = /\.(ya?ml|json)$/;

/**
 * Loads every suite file of a folder (default: the shipped `expectations/`), in medallion
 * order of their tables (silver before gold, as DQ_TABLES lists them), then by file name.
 * Suite names must be unique.
 *
 * @example
 * const suites = loadSuites();
 * const telemetry = suites.filter((s) => s.table === 'silver/telemetry');
 */
export function loadSuites(dir: string = DEFAULT_SUITES_DIR): ExpectationSuite[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => SUITE_FILE.test(name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ExpectationSuiteError(
      `cannot read the expectation suites folder ${displayPath(dir)}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (code ?? String(error))}`,
      { cause: error },
    );
  }
  const suites: ExpectationSuite[] = [];
  const byName = new Map<string, string>();
  for (const name of names.sort()) {
    const suite = loadSuiteFile(path.join(dir, name));
    const other = byName.get(suite.name);
    if (other !== undefined) {
      throw new ExpectationSuiteError(
        `${suite.file}: expectation_suite_name: '${suite.name}' is also the name of ${other}`,
      );
    }
    byName.set(suite.name, suite.file);
    suites.push(suite);
  }
  const order = Object.keys(DQ_TABLES);
  // Stable: equal tables keep file-name order.
  return suites.sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
}
