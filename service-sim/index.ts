/** The simulated cloud reset service (the service side of SPEC.md), for tests and benchmarks. */
export * from './agent-registry.js';
export type { HeldCheckpoint } from './audit-checkpoints.js';
export * from './command-spec.js';
export * from './error-codes.js';
export * from './events.js';
export * from './options.js';
export * from './randomness.js';
export * from './service-events.js';
export * from './service-sim.js';
export * from './transcript.js';
export * from './result-words.js';
