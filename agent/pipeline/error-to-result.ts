import type { ResultCode } from '../../protocol/index.js';
import { isAgentError } from '../errors.js';

export interface Outcome {
  code: ResultCode;
  message: string;
  details: Record<string, unknown>;
}

/**
 * The one place where any error becomes a result. An AgentError carries its code, a safe message
 * and details; anything else is a bug or an unexpected failure: INTERNAL, with a reference to the
 * local log line and never the raw error text upstream.
 */
export function errorToOutcome(error: unknown, incidentId: string): Outcome {
  if (isAgentError(error)) return { code: error.code, message: error.message, details: { ...error.details } };
  return { code: 'INTERNAL', message: `internal error in the agent (see its log, incident ${incidentId})`, details: { incident: incidentId } };
}

/** An error as one local log line: the AgentError's code and message, else the error's name and message. */
export function describeError(error: unknown): string {
  if (isAgentError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
