import { AgentError } from '../errors.js';

/**
 * A configuration file that cannot be used. The message is always one line of the form
 * `config error at <path>: <what is wrong>; <how to fix>` so the CLI can print it as is.
 * Never built from a secret value: callers pass key paths and descriptions, not values.
 */
export class ConfigError extends AgentError {
  /** Key path (`directories[0].urls[1]`) or file path the error is about. */
  readonly path: string;

  constructor(path: string, problem: string, fix: string, options: { cause?: unknown } = {}) {
    // One line whatever a key or DN in the file contains.
    const message = `config error at ${path}: ${problem}; ${fix}`.replace(/[\r\n\u2028\u2029]+/g, ' ');
    super('INTERNAL', message, options.cause === undefined ? {} : { cause: options.cause });
    this.path = path;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
