// Fleets set up for tests: one vehicle whose pedals (and optionally gears) the test drives,
// on a flat road, with a warm engine and no faults.
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { Fleet } from '../../src/sim/fleet.js';
import type { FleetState } from '../../src/sim/fleet-state.js';
import { applyScenarioAction } from '../../src/sim/scenario.js';

export interface ManualFleetOptions {
  /** Car id (default: the Golf). */
  readonly car?: string;
  readonly seed?: number;
  /** Road grade in percent for the whole test (default 0). */
  readonly gradePct?: number;
}

/** A one-vehicle fleet whose pedals follow `manualThrottle` / `manualBrake` (both 0 at start). */
export function manualFleet(options: ManualFleetOptions = {}): { fleet: Fleet; state: FleetState } {
  const fleet = new Fleet({
    vehicles: 1,
    seed: options.seed ?? 7,
    hz: 10,
    drivers: 'normal',
    cars: options.car ?? 'vw-golf-1-5-tsi',
    faults: FAULT_PRESETS.none,
    coldStartShare: 0,
  });
  fleet.startSession(0, 0, 0);
  const state = fleet.state;
  applyScenarioAction(state, 0, { type: 'grade', gradePct: options.gradePct ?? 0, durationS: 1e9 });
  state.set(0, 'manualPedals', 1);
  state.set(0, 'manualThrottle', 0);
  state.set(0, 'manualBrake', 0);
  return { fleet, state };
}

/**
 * Steps vehicle 0 one physics step at a time until `done` holds; returns the steps taken.
 * Throws if it does not happen within `maxSteps`, so a broken model fails instead of hanging.
 */
export function stepUntil(fleet: Fleet, done: () => boolean, maxSteps: number): number {
  for (let step = 1; step <= maxSteps; step++) {
    fleet.advance(1);
    fleet.batch.clear();
    if (done()) return step;
  }
  throw new Error(`condition not reached within ${maxSteps} steps`);
}

/** Steps `steps` physics steps, calling `each` after every one; emitted samples are dropped. */
export function stepEach(fleet: Fleet, steps: number, each: (step: number) => void): void {
  for (let step = 1; step <= steps; step++) {
    fleet.advance(1);
    fleet.batch.clear();
    each(step);
  }
}
