/** A test rig over the real reset service (service/): faults, events and raw frames for tests and benchmarks. */
export * from './command-spec.js';
export * from './error-codes.js';
export * from './events.js';
export * from './options.js';
export * from './prepared-frames.js';
export type { RegisteredAgent } from './rig-store.js';
export * from './service-events.js';
export * from './service-sim.js';
export * from './transcript.js';
