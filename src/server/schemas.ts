// JSON Schemas of everything the server accepts: HTTP bodies (checked by Fastify's
// validator) and WebSocket messages (checked here, compiled once), plus the one-line
// error text both paths give. Every object schema refuses unknown properties.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DRIVER_CHOICES, type ClientMessage } from './protocol.js';

const carId = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9.-]*$' };
const driver = { type: 'string', enum: DRIVER_CHOICES };
const seed = { type: 'integer', minimum: 0, maximum: 2_147_483_647 };
const pedal = { type: 'number', minimum: 0, maximum: 1 };
const gear = { type: 'integer', minimum: 0, maximum: 12 };

function object(
  properties: Record<string, unknown>,
  required: readonly string[],
): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties, required };
}

/** Bodies of the HTTP control endpoints. */
export const BODY_SCHEMAS = {
  start: object({ car: carId, driver, seed }, ['car', 'driver']),
  engine: object({ on: { type: 'boolean' } }, ['on']),
  input: object({ throttle: pedal, brake: pedal }, ['throttle', 'brake']),
  gear: object({ gear }, ['gear']),
} as const;

const typed = (type: string, properties: Record<string, unknown>, required: string[] = []) =>
  object({ type: { const: type }, ...properties }, ['type', ...required]);

/** One schema per WebSocket message type. */
export const MESSAGE_SCHEMAS: Readonly<Record<ClientMessage['type'], Record<string, unknown>>> = {
  auth: typed('auth', { token: { type: 'string', minLength: 1, maxLength: 512 } }, ['token']),
  start: typed('start', { car: carId, driver, seed }, ['car', 'driver']),
  stop: typed('stop', {}),
  engine: typed('engine', { on: { type: 'boolean' } }, ['on']),
  input: typed('input', { throttle: pedal, brake: pedal }, ['throttle', 'brake']),
  gear: typed('gear', { gear }, ['gear']),
  subscribe: typed(
    'subscribe',
    {
      topics: {
        type: 'array',
        items: { type: 'string', enum: ['cockpit', 'fleet'] },
        uniqueItems: true,
        maxItems: 2,
      },
    },
    ['topics'],
  ),
  ping: typed('ping', { id: { type: 'integer', minimum: 0, maximum: 2 ** 53 - 1 } }),
};

const MESSAGE_TYPES = Object.keys(MESSAGE_SCHEMAS) as ClientMessage['type'][];

const ajv = new Ajv({ allErrors: false, strict: true });
const validators = new Map<string, ValidateFunction>(
  MESSAGE_TYPES.map((type) => [type, ajv.compile(MESSAGE_SCHEMAS[type])]),
);

/** `throttle must be <= 1`, `unknown property "foo"`: the first problem, in one line. */
export function describeValidationError(error: ErrorObject, prefix = ''): string {
  const where = `${prefix}${error.instancePath.replace(/^\//, '').replaceAll('/', '.')}`;
  const subject = where === '' ? 'the message' : where;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where === '' ? '' : `${where}: `}unknown property "${String(error.params['additionalProperty'])}"`;
    case 'required':
      return `${where === '' ? '' : `${where}: `}missing property "${String(error.params['missingProperty'])}"`;
    case 'enum':
      return `${subject} must be one of ${(error.params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `${subject} must be ${JSON.stringify(error.params['allowedValue'])}`;
    default:
      return `${subject} ${error.message ?? 'is invalid'}`;
  }
}

export type ParsedMessage =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly error: string };

/** Largest WebSocket message accepted, bytes. */
export const MAX_MESSAGE_BYTES = 4096;

/** Parses and validates one WebSocket text message. */
export function parseClientMessage(text: string): ParsedMessage {
  if (text.length > MAX_MESSAGE_BYTES) {
    return { ok: false, error: `message too large (${text.length} > ${MAX_MESSAGE_BYTES} bytes)` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'message is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'message must be a JSON object with a "type"' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, error: 'message must have a string "type"' };
  }
  const validate = validators.get(type);
  if (validate === undefined) {
    return {
      ok: false,
      error: `unknown message type ${JSON.stringify(type.slice(0, 40))} (known: ${MESSAGE_TYPES.join(', ')})`,
    };
  }
  if (!validate(value)) {
    const first = validate.errors?.[0];
    return {
      ok: false,
      error: `${type}: ${first === undefined ? 'invalid message' : describeValidationError(first)}`,
    };
  }
  return { ok: true, message: value as ClientMessage };
}
