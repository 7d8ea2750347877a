import { AgentError } from '../errors.js';

/** The secret store cannot be used; the message is one line saying what to do, never a secret. */
export class SecretStoreError extends AgentError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INTERNAL', message, options.cause === undefined ? {} : { cause: options.cause });
  }
}
