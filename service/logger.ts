import type { Writable } from 'node:stream';
import winston from 'winston';

/** The service's log: one JSON object per line on stderr. Callers pass ids and codes, never secrets or frame content. */
export interface ServiceLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The symbol winston's transports read the finished line from (triple-beam registers it with Symbol.for). */
const MESSAGE = Symbol.for('message');

/** The line: `{"time","level","message", ...fields}`, with winston's timestamp as `time`. */
const jsonLine = winston.format((info) => {
  const { level, message, timestamp, ...fields } = info;
  info[MESSAGE] = JSON.stringify({ time: timestamp, level, message, ...fields });
  return info;
});

/** A winston logger writing the service's JSON lines to `stream` (stderr by default). */
export function jsonLineLogger(level: LogLevel, stream: Writable = process.stderr): ServiceLogger {
  return winston.createLogger({
    level,
    levels: winston.config.npm.levels,
    format: winston.format.combine(winston.format.timestamp(), jsonLine()),
    transports: [new winston.transports.Stream({ stream, eol: '\n' })],
    exitOnError: false,
  });
}

export function errorName(error: unknown): string {
  if (error instanceof Error) return (error as Error & { code?: unknown }).code !== undefined ? `${error.name}/${String((error as Error & { code?: unknown }).code)}` : error.name;
  return 'unknown';
}
