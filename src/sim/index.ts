// The simulator's public API.
export { Fleet, PHYSICS_HZ, PHYSICS_DT, type FleetOptions, type SessionSetup } from './fleet.js';
export { FleetState, FIELDS, STRIDE, V, type Field } from './fleet-state.js';
export { FleetRunner, vehicleId, SIMULATOR_VERSION } from './runner.js';
export type { SimulationOptions, SimulationProgress, SimulationStats } from './runner.js';
export { EmissionBatch, SAMPLE_FLAGS } from './emission.js';
export { FAULT_PRESETS, FAULT_NAMES, type FaultRates, type FaultPreset } from './faults.js';
export {
  DRIVER_PROFILES,
  DRIVER_PROFILE_NAMES,
  isDriverProfileName,
  type DriverProfile,
  type DriverProfileName,
} from './drivers.js';
export {
  findCar,
  loadCarProfile,
  shippedCars,
  validateCarProfile,
  type CarProfile,
} from './car.js';
export { calibrateCar, type CalibrationResult } from './calibration.js';
export {
  loadScenario,
  parseScenario,
  applyScenarioAction,
  type Scenario,
  type ScenarioEvent,
} from './scenario.js';
