// Sensor and delivery faults the simulator can inject, with their rates.

/** Probabilities per emitted sample (and, for clock skew, per session). */
export interface FaultRates {
  /** A connectivity dropout starts (0.2–3 s of samples lost; `seq` keeps counting). */
  readonly dropout: number;
  /** One signal carries a spike. */
  readonly spike: number;
  /** One signal freezes for 2–10 s. */
  readonly stuck: number;
  /** The sample is delivered twice. */
  readonly duplicate: number;
  /** The sample is delivered after the next one. */
  readonly outOfOrder: number;
  /** Share of sessions whose vehicle clock is offset (±0.5–30 s) and drifts (±50 ppm). */
  readonly clockSkew: number;
}

export const FAULT_PRESETS = {
  none: { dropout: 0, spike: 0, stuck: 0, duplicate: 0, outOfOrder: 0, clockSkew: 0 },
  default: {
    dropout: 0.0003,
    spike: 0.0005,
    stuck: 0.0002,
    duplicate: 0.002,
    outOfOrder: 0.002,
    clockSkew: 0.1,
  },
  heavy: {
    dropout: 0.003,
    spike: 0.005,
    stuck: 0.002,
    duplicate: 0.02,
    outOfOrder: 0.02,
    clockSkew: 0.5,
  },
} as const satisfies Record<string, FaultRates>;

export type FaultPreset = keyof typeof FAULT_PRESETS;

export const FAULT_NAMES = [
  'dropout',
  'spike',
  'stuck',
  'duplicate',
  'outOfOrder',
  'clockSkew',
] as const satisfies readonly (keyof FaultRates)[];
