/** The levels of the agent's log, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The logging surface the agent's modules use; winston sits behind it. */
export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}
