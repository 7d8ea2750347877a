import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../config/agent-config.js';
import type { Logger } from '../config/directory-config.js';
import { Redactor } from './redactor.js';

export const LOG_FILE_NAME = 'agent.log';

export interface LoggerOptions {
  level: LogLevel;
  /** Directory of the rotating JSON-lines files; null = no files. */
  dir: string | null;
  maxFileBytes: number;
  maxFiles: number;
  /** Readable lines on `consoleStream` (default stderr, so command output on stdout stays clean). */
  console: boolean;
  consoleStream?: Writable;
  redactor?: Redactor;
  now?: () => Date;
}

/** The agent's Logger, plus what only the process owner needs. */
export interface AgentLogger extends Logger {
  readonly redactor: Redactor;
  /** A logger whose every line carries `meta` (e.g. `{ commandId }`). */
  child(meta: Record<string, unknown>): AgentLogger;
  /** Flushes and closes the files. */
  close(): Promise<void>;
}

/**
 * winston behind the Logger interface: JSON lines to `<dir>/agent.log`, rotated by winston's own File
 * transport (maxsize/maxFiles, no extra dependency), and readable console lines. Every line passes
 * the redactor first, whichever transport writes it.
 */
export function createLogger(options: LoggerOptions): AgentLogger {
  const redactor = options.redactor ?? new Redactor();
  const now = options.now ?? (() => new Date());
  const redact = winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key !== 'level') info[key] = redactor.redact(info[key]);
    }
    return info;
  });
  const base = winston.format.combine(winston.format.timestamp({ format: () => now().toISOString() }), redact());
  const transports: winston.transport[] = [];
  if (options.dir !== null) {
    mkdirSync(options.dir, { recursive: true, mode: 0o750 });
    transports.push(
      new winston.transports.File({
        filename: join(options.dir, LOG_FILE_NAME),
        maxsize: options.maxFileBytes,
        maxFiles: options.maxFiles,
        tailable: true,
        format: winston.format.json(),
      }),
    );
  }
  if (options.console) {
    transports.push(
      new winston.transports.Stream({
        stream: options.consoleStream ?? process.stderr,
        format: winston.format.printf((info) => {
          const { level, message, timestamp, ...meta } = info;
          const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${rest}`;
        }),
      }),
    );
  }
  // A logger with no transport makes winston warn on every line; a silent stream keeps it quiet.
  const logger = winston.createLogger({ level: options.level, format: base, transports, silent: transports.length === 0 });
  // A log that cannot be written (disk full, a rotation racing shutdown) must never crash the agent:
  // say so once on stderr and go on.
  let reported = false;
  const onLogError = (error: Error): void => {
    if (reported) return;
    reported = true;
    process.stderr.write(`writeback-agent: a log line could not be written (${error.message}); logging goes on where it can\n`);
  };
  logger.on('error', onLogError);
  for (const transport of transports) transport.on('error', onLogError);
  return wrap(logger, redactor, { closed: false });
}

/** `closed` is shared by a logger and its children: a line logged after close() is dropped, not a crash. */
function wrap(logger: winston.Logger, redactor: Redactor, state: { closed: boolean }): AgentLogger {
  const log = (level: LogLevel) => (message: string, meta?: Record<string, unknown>) => {
    if (!state.closed) logger.log(level, message, meta ?? {});
  };
  return {
    redactor,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (meta) => wrap(logger.child(meta), redactor, state),
    close: async () => {
      if (state.closed) return;
      state.closed = true;
      // Lines still buffered under back-pressure would be written after the file transport ends
      // ("write after end"): let them drain first, for a bounded time.
      for (let waited = 0; (logger.writableLength > 0 || logger.readableLength > 0) && waited < 5_000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise<void>((resolve) => {
        const files = logger.transports.filter((t) => t instanceof winston.transports.File);
        let open = files.length;
        if (open === 0) {
          logger.end();
          resolve();
          return;
        }
        for (const file of files) {
          file.once('finish', () => {
            if (--open === 0) resolve();
          });
        }
        logger.end();
      });
    },
  };
}
