import { constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from './logger.js';
import { InfoSymbol } from './info-symbols.js';
import { jsonLine, textLine } from './line-formats.js';
import { printableLine } from './printable-text.js';
import { redactSecrets } from './redact-format.js';
import { Redactor } from './redactor.js';
import { TurnBatchTransport } from './turn-batch-transport.js';
import { assertSafeAppendFile } from '../state/private-dir.js';

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

/** The agent's logger: a winston logger whose redaction format uses `redactor`; its children share both. */
export type AgentLogger = winston.Logger & { readonly redactor: Redactor };

/** How long closeLogger waits for the files to be flushed before it lets shutdown go on. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Opens the log file for appending, 0600, and never through a symbolic link (where the platform can say so). */
const FILE_FLAGS = constants.O_NOFOLLOW === undefined ? 'a' : constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

/**
 * A winston logger: timestamp, then the redaction format (secret-named fields and tracked
 * passwords), then per transport a line format (JSON lines to `<dir>/agent.log`, rotated by
 * winston's File transport; readable lines on the console) and the printable format. Each
 * transport writes the lines of one turn of the event loop at once (TurnBatchTransport).
 *
 * Its `log` (which the level methods call with a message and fields) checks the level before it
 * reads any field and turns a field that cannot be read into a note on the line: winston's own
 * copies every field first and reads `%` in a message as a placeholder.
 */
export function createLogger(options: LoggerOptions): AgentLogger {
  const redactor = options.redactor ?? new Redactor();
  const transports: TurnBatchTransport[] = [];
  if (options.dir !== null) {
    mkdirSync(options.dir, { recursive: true, mode: 0o750 });
    const filename = join(options.dir, LOG_FILE_NAME);
    assertSafeAppendFile(filename);
    // 0600, rotated files included: winston opens each with these stream options.
    const file = new winston.transports.File({ filename, maxsize: options.maxFileBytes, maxFiles: options.maxFiles, tailable: true, eol: '\n', options: { flags: FILE_FLAGS, mode: 0o600 } });
    transports.push(new TurnBatchTransport(file, { format: winston.format.combine(jsonLine(), printableLine()) }));
  }
  if (options.console) {
    const stream = new winston.transports.Stream({ stream: options.consoleStream ?? process.stderr, eol: '\n' });
    transports.push(new TurnBatchTransport(stream, { format: winston.format.combine(textLine(), printableLine()) }));
  }
  const logger = winston.createLogger({
    level: options.level,
    levels: winston.config.npm.levels,
    format: winston.format.combine(winston.format.timestamp({ format: timestamps(options.now ?? (() => new Date())) }), redactSecrets(redactor)),
    transports,
    silent: transports.length === 0,
    exitOnError: false,
  });
  // A log that cannot be written (disk full, a rotation racing shutdown) must never crash the agent:
  // say so once on stderr and go on. A line logged after closeLogger is dropped without a word.
  let reported = false;
  const onLogError = (error: Error): void => {
    if (reported || (error as NodeJS.ErrnoException).code === 'ERR_STREAM_WRITE_AFTER_END') return;
    reported = true;
    process.stderr.write(`writeback-agent: a log line could not be written (${error.message}); logging goes on where it can\n`);
  };
  logger.on('error', onLogError);
  logger.on('warn', onLogError);
  logger.log = log;
  return Object.assign(logger, { redactor });
}

/** Ends `logger` (and its children): every line logged so far is written and the files are closed, within CLOSE_TIMEOUT_MS. */
export async function closeLogger(logger: winston.Logger): Promise<void> {
  if (!logger.writable) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    timer.unref();
    logger.once('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}

/** RFC 3339 now; lines within one millisecond share the text. */
function timestamps(now: () => Date): () => string {
  let lastMs = Number.NaN;
  let lastText = '';
  return () => {
    const date = now();
    const ms = date.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = date.toISOString();
    }
    return lastText;
  };
}

const winstonLog = winston.Logger.prototype.log;

/**
 * `log(level, message, fields)` as winston's (a `message` field is appended to the message, an
 * Error's stack and cause are kept, the level and message are the call's), but nothing is read
 * below the level or after close, and a field whose getter throws leaves a note instead of an
 * exception. Any other form of call is winston's.
 */
function log(this: winston.Logger, ...args: unknown[]): winston.Logger {
  const [level, message, meta] = args;
  if (args.length !== 3 || typeof level !== 'string' || typeof meta !== 'object' || meta === null) return winstonLog.apply(this, args as Parameters<winston.LogMethod>);
  if (this.silent || !this.writable || !this.isLevelEnabled(level)) return this;
  let info: winston.Logform.TransformableInfo;
  try {
    info = lineInfo(level, message, meta as Record<string, unknown>);
  } catch {
    info = { [InfoSymbol.level]: level, level, message, logError: 'the fields of this line could not be read' };
  }
  this.write(info);
  return this;
}

function lineInfo(level: string, message: unknown, meta: Record<string, unknown>): winston.Logform.TransformableInfo {
  const info = Object.assign({}, meta) as winston.Logform.TransformableInfo;
  info[InfoSymbol.level] = level;
  info.level = level;
  info.message = message;
  const extra = meta.message;
  if (extra !== undefined && extra !== null && extra !== '')
    info.message = `${String(message)} ${typeof extra === 'string' ? extra : typeof extra === 'number' || typeof extra === 'boolean' || typeof extra === 'bigint' ? extra.toString() : '[object]'}`;
  if (meta.stack) info.stack = meta.stack;
  if (meta.cause) info.cause = meta.cause;
  return info;
}
