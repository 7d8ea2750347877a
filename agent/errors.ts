import type { ResultCode } from '../protocol/codes.js';

/**
 * The one error class the agent throws on purpose. `code` is the protocol result code the
 * dispatch point turns it into; `message` is safe to send upstream and to log (never a password,
 * never raw server text); `details` go into the result's `details`; `cause` keeps the original
 * error for local debugging logs only (after redaction).
 */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly code: ResultCode;
  readonly details: Record<string, unknown>;

  constructor(code: ResultCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isAgentError(error: unknown): error is AgentError {
  return error instanceof AgentError;
}

/** Why the agent could not start or a CLI command could not run: always one line naming the fix. */
export const SetupErrorCode = {
  CONFIG: 'CONFIG',
  SECRET_STORE: 'SECRET_STORE',
  NOT_REGISTERED: 'NOT_REGISTERED',
  SERVICE_UNREACHABLE: 'SERVICE_UNREACHABLE',
  REGISTRATION_REFUSED: 'REGISTRATION_REFUSED',
  DIRECTORY: 'DIRECTORY',
} as const;
export type SetupErrorCode = (typeof SetupErrorCode)[keyof typeof SetupErrorCode];

export class SetupError extends Error {
  override readonly name = 'SetupError';
  constructor(
    readonly code: SetupErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
