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
