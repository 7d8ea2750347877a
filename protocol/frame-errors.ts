/**
 * Stable codes for frames that are protocol errors (SPEC.md section 1): logged without their
 * content and ignored. Each is documented here, once.
 */
export const FrameError = {
  /** A binary WebSocket frame: the protocol uses text frames only. */
  BINARY_FRAME: 'BINARY_FRAME',
  /** Over 64 KiB. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** Not valid UTF-8. */
  INVALID_UTF8: 'INVALID_UTF8',
  /** Not strict JSON (syntax, duplicate or forbidden member names, lone surrogates, too deep). */
  INVALID_JSON: 'INVALID_JSON',
  /** JSON, but not an object with a string `type`. */
  NOT_A_MESSAGE: 'NOT_A_MESSAGE',
  /** A `type` this side does not receive. */
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /** A known type with missing or wrong-typed members. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
} as const;
export type FrameError = (typeof FrameError)[keyof typeof FrameError];
