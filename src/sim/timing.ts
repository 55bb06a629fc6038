// The simulator's clocks. Engine, gearbox, brakes and motion integrate at PHYSICS_HZ;
// the driver (and the automatic gearbox's shift decision) decides every DRIVER_EVERY
// steps, like a human's perception cycle; traffic moves at the same rate; thermals,
// whose time constants are tens of seconds, integrate every THERMAL_EVERY steps.
// Step functions read these constants instead of taking `dt` arguments: a double
// argument to a call that V8 does not inline is boxed on the heap, once per call.

export const PHYSICS_HZ = 100;
export const PHYSICS_DT = 1 / PHYSICS_HZ;
export const DRIVER_EVERY = 5;
export const DRIVER_DT = DRIVER_EVERY * PHYSICS_DT;
export const THERMAL_EVERY = 20;
export const THERMAL_DT = THERMAL_EVERY * PHYSICS_DT;
