// Compiles JSON Schemas (draft 2020-12) once and turns validation failures into one-line
// messages that name the offending path.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { SCHEMAS_DIR } from './paths.js';

// ajv-formats is CommonJS whose `module.exports` is the plugin; NodeNext types it as a namespace.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv2020) => Ajv2020;

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

/** The compiled validator for a schema file in `schemas/`. */
export function schemaValidator(fileName: string): ValidateFunction {
  let validate = compiled.get(fileName);
  if (!validate) {
    const schema = JSON.parse(readFileSync(path.join(SCHEMAS_DIR, fileName), 'utf8')) as object;
    validate = ajv.compile(schema);
    compiled.set(fileName, validate);
  }
  return validate;
}

/** Describes the first validation error as `<path>: <problem>`. */
export function describeSchemaError(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'invalid value';
  const where = first.instancePath === '' ? '(root)' : first.instancePath;
  if (first.keyword === 'additionalProperties') {
    return `${where}: unknown property "${String(first.params['additionalProperty'])}"`;
  }
  if (first.keyword === 'enum') {
    return `${where}: must be one of ${JSON.stringify(first.params['allowedValues'])}`;
  }
  return `${where}: ${first.message ?? 'is invalid'}`;
}
