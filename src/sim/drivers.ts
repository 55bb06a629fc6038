// Driver profiles: each a stochastic policy described by distributions of its
// parameters. A session draws one concrete driver from its profile, so two "normal"
// drivers differ, and neighbouring profiles overlap.

/** A parameter drawn per session: normal with `mean` and `std`, clamped to [min, max]. */
export interface Spread {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

export interface DriverProfile {
  readonly name: string;
  readonly description: string;
  /** Desired speed as a fraction of the posted limit. */
  readonly speedFactor: Spread;
  /** Intelligent-driver-model maximum acceleration (m/s²). */
  readonly accelMax: Spread;
  /** Comfortable deceleration (m/s²); larger means later, harder braking. */
  readonly comfortDecel: Spread;
  /** Desired time gap to the car ahead (s). */
  readonly headway: Spread;
  /** Standstill gap to the car ahead or stop line (m). */
  readonly minGap: Spread;
  /** Reaction time (s): how quickly the commanded acceleration follows the situation. */
  readonly reactionTime: Spread;
  /** Fastest pedal movement (full travel per second): the jerk the driver accepts. */
  readonly pedalRate: Spread;
  /** Upshift point at full throttle, as a fraction of the idle→redline range. */
  readonly upshiftAt: Spread;
  /** Amplitude of pedal wobble (fraction of travel). */
  readonly pedalNoise: Spread;
  /** Deceleration (m/s²) a lower limit ahead must require before the driver reacts to it. */
  readonly anticipation: Spread;
  /** Seconds from the line within which a light turning red is still run. */
  readonly amberDilemma: Spread;
  /** How much the desired speed wanders with mood (fraction, slow random walk amplitude). */
  readonly moodSwing: Spread;
}

const spread = (mean: number, std: number, min: number, max: number): Spread => ({ mean, std, min, max });

export const DRIVER_PROFILES = [
  {
    name: 'aggressive',
    description: 'Fast, late and hard on the brakes, short gaps, revs high, twitchy pedals.',
    speedFactor: spread(1.12, 0.05, 0.98, 1.3),
    accelMax: spread(2.5, 0.45, 1.5, 4),
    comfortDecel: spread(3.2, 0.5, 2, 5),
    headway: spread(0.9, 0.2, 0.5, 1.5),
    minGap: spread(1.5, 0.3, 1, 3),
    reactionTime: spread(0.55, 0.1, 0.35, 0.9),
    pedalRate: spread(2.8, 0.6, 1.4, 5),
    upshiftAt: spread(0.78, 0.07, 0.6, 0.95),
    pedalNoise: spread(0.05, 0.015, 0.015, 0.1),
    anticipation: spread(2.4, 0.4, 1.4, 3.5),
    amberDilemma: spread(1.8, 0.4, 0.8, 3),
    moodSwing: spread(0.05, 0.015, 0.02, 0.1),
  },
  {
    name: 'normal',
    description: 'Keeps to the limit, ordinary gaps and shift points.',
    speedFactor: spread(1.0, 0.04, 0.9, 1.12),
    accelMax: spread(1.6, 0.3, 0.9, 2.6),
    comfortDecel: spread(2.2, 0.4, 1.4, 3.4),
    headway: spread(1.4, 0.25, 0.9, 2.2),
    minGap: spread(2, 0.4, 1.2, 3.5),
    reactionTime: spread(0.75, 0.12, 0.45, 1.1),
    pedalRate: spread(1.6, 0.4, 0.8, 2.8),
    upshiftAt: spread(0.55, 0.07, 0.38, 0.75),
    pedalNoise: spread(0.03, 0.01, 0.01, 0.06),
    anticipation: spread(1.5, 0.3, 0.8, 2.4),
    amberDilemma: spread(1.0, 0.3, 0.3, 2),
    moodSwing: spread(0.04, 0.012, 0.015, 0.08),
  },
  {
    name: 'eco',
    description: 'Near the limit but gentle, anticipates and coasts, shifts up early.',
    speedFactor: spread(0.95, 0.04, 0.84, 1.05),
    accelMax: spread(1.1, 0.2, 0.6, 1.7),
    comfortDecel: spread(1.5, 0.3, 0.9, 2.4),
    headway: spread(1.8, 0.3, 1.1, 2.8),
    minGap: spread(2.5, 0.4, 1.5, 4),
    reactionTime: spread(0.8, 0.12, 0.5, 1.2),
    pedalRate: spread(0.9, 0.25, 0.4, 1.6),
    upshiftAt: spread(0.36, 0.06, 0.22, 0.52),
    pedalNoise: spread(0.02, 0.008, 0.005, 0.045),
    anticipation: spread(0.7, 0.2, 0.3, 1.3),
    amberDilemma: spread(0.5, 0.2, 0, 1.2),
    moodSwing: spread(0.03, 0.01, 0.01, 0.06),
  },
  {
    name: 'cautious',
    description: 'Below the limit, long gaps, slow reactions, gentle but not economical.',
    speedFactor: spread(0.87, 0.05, 0.74, 0.98),
    accelMax: spread(1.0, 0.2, 0.55, 1.6),
    comfortDecel: spread(1.4, 0.3, 0.8, 2.2),
    headway: spread(2.4, 0.4, 1.5, 3.5),
    minGap: spread(3, 0.5, 2, 5),
    reactionTime: spread(1.0, 0.15, 0.65, 1.5),
    pedalRate: spread(0.8, 0.2, 0.4, 1.4),
    upshiftAt: spread(0.5, 0.07, 0.32, 0.7),
    pedalNoise: spread(0.025, 0.008, 0.008, 0.05),
    anticipation: spread(0.9, 0.2, 0.4, 1.5),
    amberDilemma: spread(0.2, 0.15, 0, 0.8),
    moodSwing: spread(0.03, 0.01, 0.01, 0.06),
  },
] as const satisfies readonly DriverProfile[];

export type DriverProfileName = (typeof DRIVER_PROFILES)[number]['name'];

export const DRIVER_PROFILE_NAMES: readonly DriverProfileName[] = DRIVER_PROFILES.map((p) => p.name);

export function isDriverProfileName(value: string): value is DriverProfileName {
  return (DRIVER_PROFILE_NAMES as readonly string[]).includes(value);
}

export function driverProfileIndex(name: DriverProfileName): number {
  return DRIVER_PROFILE_NAMES.indexOf(name);
}
