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
  /** How much the desired speed surges around the target (fraction, standard deviation). */
  readonly moodSwing: Spread;
  /** How quickly it surges (s): short for impatient drivers, long for cruise-control-like ones. */
  readonly moodTau: Spread;
  /** Brake pedal held while waiting at a standstill (fraction of travel). */
  readonly brakeHold: Spread;
}

const spread = (mean: number, std: number, min: number, max: number): Spread => ({
  mean,
  std,
  min,
  max,
});

export const DRIVER_PROFILES = [
  {
    name: 'aggressive',
    description: 'Fast, late and hard on the brakes, short gaps, revs high, twitchy pedals.',
    speedFactor: spread(1.15, 0.024, 1.02, 1.3),
    accelMax: spread(2.8, 0.18, 2, 4),
    comfortDecel: spread(3.5, 0.24, 2.5, 5),
    headway: spread(0.8, 0.15, 0.5, 1.3),
    minGap: spread(1.5, 0.3, 1, 3),
    reactionTime: spread(0.5, 0.08, 0.35, 0.8),
    pedalRate: spread(3.5, 0.3, 2.2, 5),
    upshiftAt: spread(0.8, 0.03, 0.65, 0.95),
    pedalNoise: spread(0.07, 0.006, 0.04, 0.1),
    anticipation: spread(2.8, 0.3, 1.8, 3.5),
    amberDilemma: spread(1.8, 0.4, 0.8, 3),
    moodSwing: spread(0.08, 0.006, 0.055, 0.11),
    moodTau: spread(5, 0.8, 3.5, 7.5),
    brakeHold: spread(0.14, 0.03, 0.06, 0.25),
  },
  {
    name: 'normal',
    description: 'Keeps to the limit, ordinary gaps, smooth feet, uses the rev range.',
    speedFactor: spread(1.02, 0.018, 0.94, 1.1),
    accelMax: spread(1.7, 0.12, 1.1, 2.4),
    comfortDecel: spread(2.3, 0.18, 1.5, 3.2),
    headway: spread(1.4, 0.2, 0.9, 2),
    minGap: spread(2, 0.4, 1.2, 3.5),
    reactionTime: spread(0.75, 0.1, 0.5, 1.05),
    pedalRate: spread(1.8, 0.18, 1, 2.6),
    upshiftAt: spread(0.62, 0.024, 0.5, 0.75),
    pedalNoise: spread(0.018, 0.0024, 0.008, 0.03),
    anticipation: spread(1.5, 0.25, 0.9, 2.2),
    amberDilemma: spread(1.0, 0.3, 0.3, 2),
    moodSwing: spread(0.03, 0.0042, 0.015, 0.05),
    moodTau: spread(15, 3, 9, 22),
    brakeHold: spread(0.28, 0.03, 0.2, 0.36),
  },
  {
    name: 'eco',
    description: 'Near the limit but gentle, anticipates and coasts, shifts up early.',
    speedFactor: spread(0.97, 0.018, 0.88, 1.05),
    accelMax: spread(1.0, 0.09, 0.6, 1.5),
    comfortDecel: spread(1.3, 0.12, 0.8, 2),
    headway: spread(1.8, 0.25, 1.2, 2.6),
    minGap: spread(2.5, 0.4, 1.5, 4),
    reactionTime: spread(0.8, 0.1, 0.55, 1.1),
    pedalRate: spread(0.8, 0.09, 0.45, 1.3),
    upshiftAt: spread(0.26, 0.024, 0.18, 0.36),
    pedalNoise: spread(0.012, 0.0024, 0.004, 0.025),
    anticipation: spread(0.6, 0.15, 0.3, 1.1),
    amberDilemma: spread(0.5, 0.2, 0, 1.2),
    moodSwing: spread(0.008, 0.002, 0.003, 0.015),
    moodTau: spread(35, 6, 22, 50),
    brakeHold: spread(0.17, 0.03, 0.1, 0.25),
  },
  {
    name: 'cautious',
    description:
      'Below the limit, long gaps, slow reactions, shifts up early, nervous small pedal corrections.',
    speedFactor: spread(0.82, 0.024, 0.72, 0.92),
    accelMax: spread(1.1, 0.09, 0.7, 1.6),
    comfortDecel: spread(1.5, 0.12, 1, 2.2),
    headway: spread(2.6, 0.3, 1.8, 3.5),
    minGap: spread(3, 0.5, 2, 5),
    reactionTime: spread(1.1, 0.12, 0.75, 1.5),
    pedalRate: spread(1.2, 0.12, 0.7, 1.8),
    upshiftAt: spread(0.45, 0.024, 0.35, 0.55),
    pedalNoise: spread(0.055, 0.006, 0.03, 0.08),
    anticipation: spread(1.0, 0.2, 0.5, 1.6),
    amberDilemma: spread(0.2, 0.15, 0, 0.8),
    moodSwing: spread(0.045, 0.005, 0.025, 0.065),
    moodTau: spread(8, 1.5, 5, 12),
    brakeHold: spread(0.4, 0.05, 0.28, 0.55),
  },
] as const satisfies readonly DriverProfile[];

export type DriverProfileName = (typeof DRIVER_PROFILES)[number]['name'];

export const DRIVER_PROFILE_NAMES: readonly DriverProfileName[] = DRIVER_PROFILES.map(
  (p) => p.name,
);

export function isDriverProfileName(value: string): value is DriverProfileName {
  return (DRIVER_PROFILE_NAMES as readonly string[]).includes(value);
}

export function driverProfileIndex(name: DriverProfileName): number {
  return DRIVER_PROFILE_NAMES.indexOf(name);
}
