export { acquireDevice, adoptDevice, debugRequested } from './device.js';
export type { AcquiredDevice } from './device.js';
export { Runtime } from './runtime.js';
export type { DispatchSpec, UniformValue } from './runtime.js';
export { sizeClass } from './pool.js';
export type { ProfileRow } from './profile.js';
