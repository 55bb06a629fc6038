// Builds the JSON Schema (draft 2020-12) of event schema v1 from the event and signal
// definitions. `npm run schema` writes it to `schemas/telemetry-event.v1.schema.json`;
// a test keeps the file and this definition in step.
import { EVENT_TYPES, SCHEMA_VERSION } from './events.js';
import { SIGNALS } from './signals.js';

export const EVENT_SCHEMA_FILE = 'telemetry-event.v1.schema.json';

export function buildEventJsonSchema(): Record<string, unknown> {
  const uuid = {
    type: 'string',
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  };
  const envelope = {
    schema_version: { const: SCHEMA_VERSION, description: 'Version of this event schema.' },
    event_type: { enum: [...EVENT_TYPES] },
    event_id: {
      ...uuid,
      description:
        'UUIDv5 of (seed, vehicle, session, seq): duplicates and replays keep the same id.',
    },
    vehicle_id: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'Kafka message key; per-vehicle ordering.',
    },
    session_id: { ...uuid, description: 'One drive of one vehicle with one driver.' },
    seq: {
      type: 'integer',
      minimum: 0,
      description: '0 for session_start, then 1, 2, … per session; gaps mean lost samples.',
    },
    event_time: {
      type: 'string',
      format: 'date-time',
      description: 'Vehicle clock, ISO 8601 UTC with milliseconds (may be skewed).',
    },
  };
  const required = Object.keys(envelope);
  const signalProperties = Object.fromEntries(
    SIGNALS.map((s) => [
      s.name,
      {
        type: [s.type, 'null'],
        minimum: s.min,
        maximum: s.max,
        description: `${s.description} Unit: ${s.unit}. Resolution ${s.resolution}. VSS: ${s.vssPath}${s.vssOverlay ? ' (Pitwall overlay)' : ''}.`,
      },
    ]),
  );
  const session = {
    type: 'object',
    additionalProperties: false,
    required: [
      'car_id',
      'car_name',
      'driver_profile',
      'route_id',
      'seed',
      'session_index',
      'hz',
      'ambient_temp_c',
      'cargo_kg',
      'cold_start',
      'scenario',
      'simulator',
    ],
    properties: {
      car_id: { type: 'string' },
      car_name: { type: 'string' },
      driver_profile: {
        type: 'string',
        description: 'Ground-truth driving style: the training label.',
      },
      route_id: { type: 'string' },
      seed: { type: 'integer' },
      session_index: { type: 'integer', minimum: 0 },
      hz: { type: 'number', minimum: 1, maximum: 100 },
      ambient_temp_c: { type: 'number' },
      cargo_kg: { type: 'number', minimum: 0 },
      cold_start: { type: 'boolean' },
      scenario: { type: ['string', 'null'] },
      simulator: { type: 'string' },
    },
  };
  const summary = {
    type: 'object',
    additionalProperties: false,
    required: [
      'duration_s',
      'distance_km',
      'fuel_used_l',
      'avg_speed_kmh',
      'max_speed_kmh',
      'samples_emitted',
      'samples_lost',
    ],
    properties: {
      duration_s: { type: 'number', minimum: 0 },
      distance_km: { type: 'number', minimum: 0 },
      fuel_used_l: { type: 'number', minimum: 0 },
      avg_speed_kmh: { type: 'number', minimum: 0 },
      max_speed_kmh: { type: 'number', minimum: 0 },
      samples_emitted: { type: 'integer', minimum: 0 },
      samples_lost: { type: 'integer', minimum: 0 },
    },
  };
  const variant = (type: string, extra: Record<string, unknown>, extraRequired: string[]) => ({
    if: { properties: { event_type: { const: type } }, required: ['event_type'] },
    then: {
      properties: { ...Object.fromEntries(required.map((k) => [k, true])), ...extra },
      required: extraRequired,
      additionalProperties: false,
    },
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://pitwall.dev/schemas/telemetry-event.v1.schema.json',
    title: 'Pitwall telemetry event, schema v1',
    description:
      'One message on the telemetry topic. Generated from src/telemetry/signals.ts and events.ts; do not edit by hand.',
    type: 'object',
    required,
    properties: envelope,
    allOf: [
      variant(
        'telemetry',
        {
          signals: {
            type: 'object',
            additionalProperties: false,
            required: SIGNALS.map((s) => s.name),
            properties: signalProperties,
          },
        },
        ['signals'],
      ),
      variant('session_start', { session }, ['session']),
      variant('session_end', { session, summary }, ['session', 'summary']),
    ],
  };
}
