/**
 * The service's words (service/gateway/wire-errors.ts): `ServiceErrorCode` the `code` of every
 * `error` message (the simulator sends a subset), why a result or an audit checkpoint was refused.
 */
export { WireError as ServiceErrorCode, ResultRefusal, CheckpointRefusal } from '../service/gateway/wire-errors.js';

/**
 * Why an incoming frame was ignored: the protocol's frame errors (protocol/frame-errors.ts) plus
 * a well-formed message at the wrong moment (e.g. `result` before `welcome`, a second `hello`).
 */
export const IgnoredFrame = {
  UNEXPECTED_MESSAGE: 'UNEXPECTED_MESSAGE',
} as const;
export type IgnoredFrame = (typeof IgnoredFrame)[keyof typeof IgnoredFrame];
