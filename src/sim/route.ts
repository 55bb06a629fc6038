// Routes are generated while the car drives: the vehicle knows its current segment,
// the next one (so the driver can anticipate a lower limit) and the next stop. Each
// new segment is drawn from the vehicle's own route stream, so a session's route is a
// pure function of its seed, needs O(1) memory and never runs out.
import type { FleetState } from './fleet-state.js';
import { nextUniform } from './random.js';

export const SEGMENT_KINDS = ['urban', 'rural', 'motorway'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];
export const URBAN = 0;
export const RURAL = 1;
export const MOTORWAY = 2;

export const STOP_NONE = 0;
export const STOP_LIGHT = 1;
export const STOP_SIGN = 2;

/** Segment-kind transition weights (row: from, column: to), a Markov chain over road types. */
const TRANSITIONS = [
  [0.55, 0.35, 0.1],
  [0.35, 0.4, 0.25],
  [0.1, 0.45, 0.45],
] as const;

const LIMITS_KMH = [
  [30, 50, 50, 50, 60],
  [70, 80, 90, 100],
  [100, 110, 120, 130],
] as const;

/** Segment length ranges (m), steepest grade (fraction), stop spacing (m; 0 = no stops). */
const KIND_SHAPE = [
  { length: [300, 1400], grade: 0.04, stopSpacing: 450, congestion: 0.55 },
  { length: [1200, 5000], grade: 0.07, stopSpacing: 2500, congestion: 0.2 },
  { length: [3000, 12000], grade: 0.035, stopSpacing: 0, congestion: 0.15 },
] as const;

/** Draws the segment after the next one into the `next*` columns. */
function drawNextSegment(s: FleetState, i: number, fromKind: number): void {
  const rng = s.rngRoute;
  const row = TRANSITIONS[fromKind]!;
  let r = nextUniform(rng, i);
  let kind = 0;
  while (kind < 2 && r >= row[kind]!) r -= row[kind++]!;
  const shape = KIND_SHAPE[kind]!;
  const limits = LIMITS_KMH[kind]!;
  s.nextKind[i] = kind;
  s.nextLimitMps[i] = limits[Math.floor(nextUniform(rng, i) * limits.length)]! / 3.6;
  s.nextLengthM[i] = shape.length[0] + (shape.length[1] - shape.length[0]) * nextUniform(rng, i);
  // Grades cluster near flat; a few segments are real climbs or descents.
  const u = nextUniform(rng, i) * 2 - 1;
  s.nextGrade[i] = shape.grade * u * Math.abs(u);
  // Motorways are usually free-flowing but sometimes jammed.
  let congestion = shape.congestion * nextUniform(rng, i);
  if (kind === MOTORWAY && nextUniform(rng, i) < 0.12) congestion = 0.6 + 0.3 * nextUniform(rng, i);
  if (kind === URBAN && nextUniform(rng, i) < 0.1) congestion = 0.65 + 0.25 * nextUniform(rng, i);
  s.nextCongestion[i] = congestion;
  s.nextStopSpacingM[i] = shape.stopSpacing;
}

/** Starts a route at position 0 with a first segment of the given kind. */
export function startRoute(s: FleetState, i: number, firstKind: number): void {
  drawNextSegment(s, i, firstKind);
  s.positionM[i] = 0;
  s.segmentEndM[i] = 0;
  s.nextKind[i] = firstKind;
  enterNextSegment(s, i);
}

/** Moves the car into the segment it just reached and draws the one after. */
export function enterNextSegment(s: FleetState, i: number): void {
  const start = s.segmentEndM[i]!;
  const kind = s.nextKind[i]!;
  s.segmentKind[i] = kind;
  s.segmentLimitMps[i] = s.nextLimitMps[i]!;
  const grade = s.nextGrade[i]!;
  const norm = 1 / Math.sqrt(1 + grade * grade);
  s.segmentSinGrade[i] = grade * norm;
  s.segmentCosGrade[i] = norm;
  s.segmentCongestion[i] = s.nextCongestion[i]!;
  s.segmentStopSpacingM[i] = s.nextStopSpacingM[i]!;
  s.segmentEndM[i] = start + s.nextLengthM[i]!;
  drawNextSegment(s, i, kind);
  placeNextStop(s, i, start);
}

/** Places the next stop after `fromM` inside the current segment, or none. */
export function placeNextStop(s: FleetState, i: number, fromM: number): void {
  const spacing = s.segmentStopSpacingM[i]!;
  s.stopDwellS[i] = 0;
  s.stopCleared[i] = 0;
  if (spacing <= 0) {
    s.stopKind[i] = STOP_NONE;
    s.stopPositionM[i] = Infinity;
    return;
  }
  const rng = s.rngRoute;
  const at = fromM + spacing * (0.5 + nextUniform(rng, i));
  // Keep stops clear of segment ends so a new limit and a stop line never coincide.
  if (at > s.segmentEndM[i]! - 60) {
    s.stopKind[i] = STOP_NONE;
    s.stopPositionM[i] = Infinity;
    return;
  }
  s.stopPositionM[i] = at;
  if (s.segmentKind[i] === URBAN && nextUniform(rng, i) < 0.75) {
    s.stopKind[i] = STOP_LIGHT;
    const cycle = 50 + 50 * nextUniform(rng, i);
    s.lightCycleS[i] = cycle;
    s.lightGreenS[i] = cycle * (0.4 + 0.25 * nextUniform(rng, i));
    s.lightOffsetS[i] = cycle * nextUniform(rng, i);
  } else {
    s.stopKind[i] = STOP_SIGN;
  }
}

/** True while the light of the current stop shows red at session time `t`. */
export function lightIsRed(s: FleetState, i: number, t: number): boolean {
  const cycle = s.lightCycleS[i]!;
  const phase = (t + s.lightOffsetS[i]!) % cycle;
  return phase >= s.lightGreenS[i]!;
}
