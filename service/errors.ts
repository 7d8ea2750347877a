/**
 * The service's one error class: a stable string `code`, a one-line message that names the fix,
 * and the `cause`. The CLI prints the message and maps the code to an exit status.
 */
export const ServiceErrorKind = {
  /** Configuration, data directory or start-up problem (exit 2). */
  CONFIG: 'CONFIG',
  /** Bad command-line usage or API request (exit 2 / HTTP 400). */
  USAGE: 'USAGE',
  /** Something named does not exist (exit 2 / HTTP 404). */
  NOT_FOUND: 'NOT_FOUND',
  /** A command could not be sent: no agent, expired before an agent took it (exit 2 / HTTP 409). */
  NOT_SENT: 'NOT_SENT',
  /** The request clashes with the current state, e.g. removing a connected agent without force (exit 2 / HTTP 409). */
  CONFLICT: 'CONFLICT',
  /** The database refused or failed. */
  DATABASE: 'DATABASE',
} as const;
export type ServiceErrorKind = (typeof ServiceErrorKind)[keyof typeof ServiceErrorKind];

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: ServiceErrorKind;

  constructor(code: ServiceErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}
