// Event schema v1: the types of the events the simulator emits and every later stage
// reads. The JSON Schema in `schemas/telemetry-event.v1.schema.json` is generated from
// these definitions and `SIGNALS` (`npm run schema`).
import type { SignalName } from './signals.js';

export const SCHEMA_VERSION = 1;

export const EVENT_TYPES = ['session_start', 'telemetry', 'session_end'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

interface EventEnvelope {
  readonly schema_version: typeof SCHEMA_VERSION;
  readonly event_type: EventType;
  /** UUIDv5 of (run seed, vehicle, session, seq): a replayed or duplicated event keeps its id. */
  readonly event_id: string;
  readonly vehicle_id: string;
  readonly session_id: string;
  /** Position in the session: 0 for `session_start`, then 1, 2, … (gaps mean lost samples). */
  readonly seq: number;
  /** Vehicle clock, ISO 8601 UTC with milliseconds; may be skewed from true time. */
  readonly event_time: string;
}

export type Signals = { readonly [K in SignalName]: number | null };

export interface TelemetryEvent extends EventEnvelope {
  readonly event_type: 'telemetry';
  readonly signals: Signals;
}

/** What a session is: the ground truth a model learns from. */
export interface SessionInfo {
  readonly car_id: string;
  readonly car_name: string;
  readonly driver_profile: string;
  readonly route_id: string;
  readonly seed: number;
  readonly session_index: number;
  readonly hz: number;
  readonly ambient_temp_c: number;
  readonly cargo_kg: number;
  readonly cold_start: boolean;
  readonly scenario: string | null;
  readonly simulator: string;
}

export interface SessionStartEvent extends EventEnvelope {
  readonly event_type: 'session_start';
  readonly session: SessionInfo;
}

export interface SessionSummary {
  readonly duration_s: number;
  readonly distance_km: number;
  readonly fuel_used_l: number;
  readonly avg_speed_kmh: number;
  readonly max_speed_kmh: number;
  readonly samples_emitted: number;
  readonly samples_lost: number;
}

export interface SessionEndEvent extends EventEnvelope {
  readonly event_type: 'session_end';
  readonly session: SessionInfo;
  readonly summary: SessionSummary;
}

export type PitwallEvent = SessionStartEvent | TelemetryEvent | SessionEndEvent;
