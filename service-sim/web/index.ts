/** The self-service reset page of the simulated service (the demo's `--serve`). */
export * from './reset-web.js';
export * from './reset-web-options.js';
export * from './one-time-codes.js';
export * from './outbox.js';
