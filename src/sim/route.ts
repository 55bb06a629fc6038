// Routes are generated while the car drives: the vehicle knows its current segment,
// the next one (so the driver can anticipate a lower limit) and the next stop. Each
// new segment is drawn from the vehicle's own route stream, so a session's route is a
// pure function of its seed, needs O(1) memory and never runs out.
import { STRIDE, V, type FleetState } from './fleet-state.js';
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
  { length: [300, 1400], grade: 0.04, stopSpacing: 700, congestion: 0.35 },
  { length: [1200, 5000], grade: 0.07, stopSpacing: 2500, congestion: 0.2 },
  { length: [3000, 12000], grade: 0.035, stopSpacing: 0, congestion: 0.15 },
] as const;

/** Draws the segment after the next one into the `next*` columns. */
function drawNextSegment(s: FleetState, i: number, fromKind: number): void {
  const d = s.data;
  const b = i * STRIDE;
  const rng = b + V.rngRoute;
  const row = TRANSITIONS[fromKind]!;
  let r = nextUniform(d, rng);
  let kind = 0;
  while (kind < 2 && r >= row[kind]!) r -= row[kind++]!;
  const shape = KIND_SHAPE[kind]!;
  const limits = LIMITS_KMH[kind]!;
  d[b + V.nextKind] = kind;
  d[b + V.nextLimitMps] = limits[Math.floor(nextUniform(d, rng) * limits.length)]! / 3.6;
  d[b + V.nextLengthM] =
    shape.length[0] + (shape.length[1] - shape.length[0]) * nextUniform(d, rng);
  // Grades cluster near flat; a few segments are real climbs or descents.
  const u = nextUniform(d, rng) * 2 - 1;
  d[b + V.nextGrade] = shape.grade * u * Math.abs(u);
  // Motorways are usually free-flowing but sometimes jammed.
  let congestion = shape.congestion * nextUniform(d, rng);
  if (kind === MOTORWAY && nextUniform(d, rng) < 0.06) congestion = 0.6 + 0.3 * nextUniform(d, rng);
  if (kind === URBAN && nextUniform(d, rng) < 0.06) congestion = 0.65 + 0.25 * nextUniform(d, rng);
  d[b + V.nextCongestion] = congestion;
  d[b + V.nextStopSpacingM] = shape.stopSpacing;
}

/** Starts a route at position 0 with a first segment of the given kind. */
export function startRoute(s: FleetState, i: number, firstKind: number): void {
  const d = s.data;
  const b = i * STRIDE;
  drawNextSegment(s, i, firstKind);
  d[b + V.positionM] = 0;
  d[b + V.segmentEndM] = 0;
  d[b + V.nextKind] = firstKind;
  enterNextSegment(s, i);
}

/** Moves the car into the segment it just reached and draws the one after. */
export function enterNextSegment(s: FleetState, i: number): void {
  const d = s.data;
  const b = i * STRIDE;
  const start = d[b + V.segmentEndM]!;
  const kind = d[b + V.nextKind]!;
  d[b + V.segmentKind] = kind;
  d[b + V.segmentLimitMps] = d[b + V.nextLimitMps]!;
  const grade = d[b + V.nextGrade]!;
  const norm = 1 / Math.sqrt(1 + grade * grade);
  d[b + V.segmentSinGrade] = grade * norm;
  d[b + V.segmentCosGrade] = norm;
  d[b + V.segmentCongestion] = d[b + V.nextCongestion]!;
  d[b + V.segmentStopSpacingM] = d[b + V.nextStopSpacingM]!;
  d[b + V.segmentEndM] = start + d[b + V.nextLengthM]!;
  drawNextSegment(s, i, kind);
  placeNextStop(s, i, start);
}

/** Places the next stop after `fromM` inside the current segment, or none. */
export function placeNextStop(s: FleetState, i: number, fromM: number): void {
  const d = s.data;
  const b = i * STRIDE;
  const spacing = d[b + V.segmentStopSpacingM]!;
  d[b + V.stopDwellS] = 0;
  d[b + V.stopCleared] = 0;
  if (spacing <= 0) {
    d[b + V.stopKind] = STOP_NONE;
    d[b + V.stopPositionM] = Infinity;
    return;
  }
  const rng = b + V.rngRoute;
  const at = fromM + spacing * (0.5 + nextUniform(d, rng));
  // Keep stops clear of segment ends so a new limit and a stop line never coincide.
  if (at > d[b + V.segmentEndM]! - 60) {
    d[b + V.stopKind] = STOP_NONE;
    d[b + V.stopPositionM] = Infinity;
    return;
  }
  d[b + V.stopPositionM] = at;
  if (d[b + V.segmentKind]! === URBAN && nextUniform(d, rng) < 0.75) {
    d[b + V.stopKind] = STOP_LIGHT;
    const cycle = 50 + 50 * nextUniform(d, rng);
    d[b + V.lightCycleS] = cycle;
    d[b + V.lightGreenS] = cycle * (0.5 + 0.25 * nextUniform(d, rng));
    d[b + V.lightOffsetS] = cycle * nextUniform(d, rng);
  } else {
    d[b + V.stopKind] = STOP_SIGN;
  }
}

/** True while the light of the current stop shows red at session time `t`. */
export function lightIsRed(s: FleetState, i: number, t: number): boolean {
  const d = s.data;
  const b = i * STRIDE;
  const cycle = d[b + V.lightCycleS]!;
  const phase = (t + d[b + V.lightOffsetS]!) % cycle;
  return phase >= d[b + V.lightGreenS]!;
}
