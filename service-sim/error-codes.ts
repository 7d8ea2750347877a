import { ResultRefusal as ServiceResultRefusal } from '../service/gateway/wire-errors.js';

/** The `code` of every `error` message: the real service's (service/gateway/wire-errors.ts), of which the simulator sends a subset. */
export { WireError as ServiceErrorCode } from '../service/gateway/wire-errors.js';

/**
 * Why an incoming frame was ignored: the protocol's frame errors (protocol/frame-errors.ts) plus
 * a well-formed message at the wrong moment (e.g. `result` before `welcome`, a second `hello`).
 */
export const IgnoredFrame = {
  UNEXPECTED_MESSAGE: 'UNEXPECTED_MESSAGE',
} as const;
export type IgnoredFrame = (typeof IgnoredFrame)[keyof typeof IgnoredFrame];

/**
 * Why a `result` (or an `auditCheckpoint`) was not kept: the service's result refusals, plus an
 * audit checkpoint signed later than the clock plus the allowed skew (the service logs that one).
 */
export const ResultRefusal = { ...ServiceResultRefusal, FROM_THE_FUTURE: 'FROM_THE_FUTURE' } as const;
export type ResultRefusal = (typeof ResultRefusal)[keyof typeof ResultRefusal];
