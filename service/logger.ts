import type { Writable } from 'node:stream';
import { configure } from 'safe-stable-stringify';
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

/** JSON.stringify that cannot throw on a field's shape: a circular reference becomes "[Circular]"; fields keep their order. */
const stringify = configure({ circularValue: '[Circular]', deterministic: false });

/** A BigInt as its decimal text: JSON has no integer that size, and a number would lose digits. */
const bigintAsText = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/** The line: `{"time","level","message", ...fields}`, with winston's timestamp as `time`. A log call never throws: fields that cannot be rendered at all (a throwing toJSON or getter) are replaced by a note. */
const jsonLine = winston.format((info) => {
  const { level, message, timestamp, ...fields } = info;
  try {
    info[MESSAGE] = stringify({ time: timestamp, level, message, ...fields }, bigintAsText);
  } catch {
    info[MESSAGE] = stringify({ time: timestamp, level, message, fields: '[unrenderable]' }, bigintAsText);
  }
  return info;
});

/** A winston logger writing the service's JSON lines to `stream` (stderr by default). */
export function jsonLineLogger(level: LogLevel, stream: Writable = process.stderr): ServiceLogger {
  const logger = winston.createLogger({
    level,
    levels: winston.config.npm.levels,
    format: winston.format.combine(winston.format.timestamp(), jsonLine()),
    transports: [new winston.transports.Stream({ stream, eol: '\n' })],
    exitOnError: false,
  });
  // winston formats every line (timestamp, JSON) before its transport drops a level that is off:
  // on the hot path (a line per command) that work is skipped here instead.
  const on = (at: LogLevel): boolean => winston.config.npm.levels[at] <= winston.config.npm.levels[level];
  const off = (): void => undefined;
  return {
    debug: on('debug') ? logger.debug.bind(logger) : off,
    info: on('info') ? logger.info.bind(logger) : off,
    warn: on('warn') ? logger.warn.bind(logger) : off,
    error: on('error') ? logger.error.bind(logger) : off,
  };
}

export function errorName(error: unknown): string {
  if (error instanceof Error) return (error as Error & { code?: unknown }).code !== undefined ? `${error.name}/${String((error as Error & { code?: unknown }).code)}` : error.name;
  return 'unknown';
}
