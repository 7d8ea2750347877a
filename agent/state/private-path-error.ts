import { AgentError } from '../errors.js';

/** A state file or directory others could read or that another account owns; the message says the fix. */
export class PrivatePathError extends AgentError {
  constructor(message: string) {
    super('INTERNAL', message);
  }
}
