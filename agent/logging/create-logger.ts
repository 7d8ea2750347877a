import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../config/agent-config.js';
import type { Logger } from '../config/directory-config.js';
import { REDACTED, Redactor } from './redactor.js';
import { InfoSymbol } from './info-symbols.js';
import { isSecretField } from './secret-keys.js';
import { TransportSink } from './transport-sink.js';

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

/** winston's npm levels, which the logger is created with. */
const LEVELS = winston.config.npm.levels as Record<LogLevel, number>;

/**
 * winston behind the Logger interface: JSON lines to `<dir>/agent.log`, rotated by winston's own File
 * transport (maxsize/maxFiles, no extra dependency), and readable console lines. Every line passes
 * the redactor first, whichever transport writes it.
 *
 * The line is built here in one pass, not by a chain of winston formats (issue 9: ~20 µs a line
 * went into per-key redaction, logform's JS stringify and a child logger's extra copy): level
 * check first, then timestamp, redaction and, when a file is written, the JSON text (native
 * JSON.stringify of the redacted line). winston's transports still write and rotate.
 */
export function createLogger(options: LoggerOptions): AgentLogger {
  const redactor = options.redactor ?? new Redactor();
  const now = options.now ?? (() => new Date());
  const transports: winston.transport[] = [];
  if (options.dir !== null) {
    mkdirSync(options.dir, { recursive: true, mode: 0o750 });
    // No format: the line arrives with its JSON text (MESSAGE) already made.
    transports.push(new winston.transports.File({ filename: join(options.dir, LOG_FILE_NAME), maxsize: options.maxFileBytes, maxFiles: options.maxFiles, tailable: true }));
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
  // A log that cannot be written (disk full, a rotation racing shutdown) must never crash the agent:
  // say so once on stderr and go on.
  let reported = false;
  const onLogError = (error: Error): void => {
    if (reported) return;
    reported = true;
    process.stderr.write(`writeback-agent: a log line could not be written (${error.message}); logging goes on where it can\n`);
  };
  for (const transport of transports) transport.on('error', onLogError);
  const maker: LineMaker = { redactor, timestamp: timestamps(now), json: options.dir !== null, maxLevel: LEVELS[options.level] };
  return wrap(
    transports.map((transport) => new TransportSink(transport, { batch: transport instanceof winston.transports.File })),
    maker,
    null,
    { closed: false },
  );
}

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

interface LineMaker {
  redactor: Redactor;
  /** RFC 3339 now; lines within one millisecond share the text. */
  timestamp: () => string;
  /** Whether a File transport needs the JSON text. */
  json: boolean;
  maxLevel: number;
}

/**
 * The info object winston's transports take, redacted: `level`, `message`, `timestamp`, then the
 * child's fields and the line's (the line's win), and, when a file is written, its JSON text. As
 * winston.log did: a meta `message` is appended to the message, `level` and `timestamp` are the
 * logger's own. Written for V8: one object filled in place and one native JSON.stringify (a
 * spread followed by more properties, a rebuilt copy with sorted keys, or logform's JS stringify
 * each cost microseconds a line).
 */
function makeInfo(maker: LineMaker, level: LogLevel, message: string, bound: Record<string, unknown> | null, meta: Record<string, unknown> | undefined): Record<string | symbol, unknown> {
  const { redactor } = maker;
  const info: Record<string | symbol, unknown> = { level, message: '', timestamp: '' };
  if (bound !== null) Object.assign(info, bound);
  if (meta !== undefined) Object.assign(info, meta);
  // Read from `meta` itself, not the copy: an Error passed as meta keeps these off its own keys.
  const extra = meta?.message;
  if (meta?.stack) info.stack = meta.stack;
  if (meta?.cause) info.cause = meta.cause;
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message' || key === 'timestamp') continue;
    const value = info[key];
    info[key] = isSecretField(key, value) ? REDACTED : redactor.redact(value);
  }
  // A caller outside the type system may pass a non-string; the redactor needs text.
  const base = typeof message === 'string' ? message : String(message);
  const text = extra ? `${base} ${typeof extra === 'string' ? extra : typeof extra === 'number' || typeof extra === 'boolean' || typeof extra === 'bigint' ? extra.toString() : '[object]'}` : base;
  info.level = level;
  info.message = redactor.redactString(text);
  info.timestamp = maker.timestamp();
  info[InfoSymbol.level] = level;
  if (maker.json) info[InfoSymbol.message] = JSON.stringify(info);
  return info;
}

/**
 * `closed` is shared by a logger and its children: a line logged after close() is dropped, not a crash.
 * Lines go straight to the transports: a winston Logger in front would only add one more object
 * stream hop per line (its formats and level filter are done here).
 */
function wrap(sinks: TransportSink[], maker: LineMaker, bound: Record<string, unknown> | null, state: { closed: boolean }): AgentLogger {
  const log = (level: LogLevel) => (message: string, meta?: Record<string, unknown>) => {
    if (state.closed || sinks.length === 0 || LEVELS[level] > maker.maxLevel) return;
    const info = makeInfo(maker, level, message, bound, meta);
    for (const sink of sinks) sink.write(info);
  };
  return {
    redactor: maker.redactor,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    // Bound fields are merged per line here; winston's child() would add one more copy per line.
    child: (meta) => wrap(sinks, maker, { ...bound, ...meta }, state),
    close: async () => {
      if (state.closed) return;
      state.closed = true;
      // Every line already logged is written first (also those held back under back-pressure or a
      // rotation); the File transport finishes once its file is flushed. Bounded, so a log that
      // cannot be written does not hold up shutdown.
      await Promise.all(sinks.map((sink) => sink.end(5_000)));
    },
  };
}
