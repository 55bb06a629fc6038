// Validation of events against the published JSON Schema of event schema v1.
import { SchemaError } from '../errors.js';
import { describeSchemaError, schemaValidator } from '../schema-validator.js';
import type { PitwallEvent } from './events.js';
import { EVENT_SCHEMA_FILE } from './json-schema.js';

/** Returns undefined when `value` is a valid v1 event, else a one-line reason. */
export function eventSchemaProblem(value: unknown): string | undefined {
  const validate = schemaValidator(EVENT_SCHEMA_FILE);
  return validate(value) ? undefined : describeSchemaError(validate.errors);
}

/** Throws a SchemaError unless `value` is a valid v1 event. */
export function assertEvent(value: unknown): asserts value is PitwallEvent {
  const problem = eventSchemaProblem(value);
  if (problem) throw new SchemaError(`invalid telemetry event: ${problem}`);
}
