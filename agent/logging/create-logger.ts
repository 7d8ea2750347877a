import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel, Logger } from './logger.js';
import { REDACTED, Redactor } from './redactor.js';
import { lineJson, lineText, type LogLine } from './log-line.js';
import { isSecretField } from './secret-keys.js';
import { TransportSink } from './transport-sink.js';
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
 * The line is built here in one pass, not by a chain of winston formats, because a line is logged
 * per command: level check first, then timestamp, redaction and one native JSON.stringify of the
 * meta fields, from which both the file's JSON and the console's text are made. winston's
 * transports still write (a turn's lines at once, see TransportSink) and rotate.
 */
export function createLogger(options: LoggerOptions): AgentLogger {
  const redactor = options.redactor ?? new Redactor();
  const now = options.now ?? (() => new Date());
  const sinks: TransportSink[] = [];
  // A log that cannot be written (disk full, a rotation racing shutdown) must never crash the agent:
  // say so once on stderr and go on.
  let reported = false;
  const onLogError = (error: Error): void => {
    if (reported) return;
    reported = true;
    process.stderr.write(`writeback-agent: a log line could not be written (${error.message}); logging goes on where it can\n`);
  };
  const add = (transport: winston.transport, render: (line: LogLine) => string): void => {
    transport.on('error', onLogError);
    sinks.push(new TransportSink(transport, render));
  };
  if (options.dir !== null) {
    mkdirSync(options.dir, { recursive: true, mode: 0o750 });
    const file = join(options.dir, LOG_FILE_NAME);
    assertSafeAppendFile(file);
    // 0600, rotated files included (winston creates each with these stream options).
    add(new winston.transports.File({ filename: file, maxsize: options.maxFileBytes, maxFiles: options.maxFiles, tailable: true, options: { flags: 'a', mode: 0o600 } }), lineJson);
  }
  if (options.console) add(new winston.transports.Stream({ stream: options.consoleStream ?? process.stderr }), lineText);
  return wrap(sinks, { redactor, timestamp: timestamps(now), maxLevel: LEVELS[options.level] }, null, { closed: false, pending: [], flushScheduled: false });
}

/** The fields every line has; a meta field of the same name does not replace them. */
const OWN_KEYS = ['level', 'message', 'timestamp'] as const;

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
  maxLevel: number;
}

/**
 * The redacted line. As winston.log did: a meta `message` is appended to the message, `level` and
 * `timestamp` are the logger's own (meta fields of those names are dropped), the line's meta wins
 * over a child's. Written for V8: one object filled in place and one native JSON.stringify (a
 * spread followed by more properties, a copy rebuilt with sorted keys, or logform's JS stringify
 * each cost microseconds a line).
 */
function makeLine(maker: LineMaker, level: LogLevel, message: string, bound: Record<string, unknown> | null, meta: Record<string, unknown> | undefined): LogLine {
  const { redactor } = maker;
  const fields: Record<string, unknown> = {};
  if (bound !== null) Object.assign(fields, bound);
  if (meta !== undefined) Object.assign(fields, meta);
  // Read from `meta` itself, not the copy: an Error passed as meta keeps these off its own keys.
  const extra = meta?.message;
  if (meta?.stack) fields.stack = meta.stack;
  if (meta?.cause) fields.cause = meta.cause;
  for (const own of OWN_KEYS) if (Object.hasOwn(fields, own)) delete fields[own];
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    fields[key] = isSecretField(key, value) ? REDACTED : redactor.redact(value);
  }
  // A caller outside the type system may pass a non-string; the redactor needs text.
  const base = typeof message === 'string' ? message : String(message);
  const text = extra ? `${base} ${typeof extra === 'string' ? extra : typeof extra === 'number' || typeof extra === 'boolean' || typeof extra === 'bigint' ? extra.toString() : '[object]'}` : base;
  return { level, message: redactor.redactString(text), timestamp: maker.timestamp(), metaJson: JSON.stringify(fields) };
}

/** Shared by a logger and its children. */
interface LoggerState {
  /** A line logged after close() is dropped, not a crash. */
  closed: boolean;
  /** Lines of this turn of the event loop, handed to the sinks together at its end. */
  pending: LogLine[];
  flushScheduled: boolean;
}

function flush(sinks: readonly TransportSink[], state: LoggerState): void {
  state.flushScheduled = false;
  const lines = state.pending;
  if (lines.length === 0) return;
  state.pending = [];
  for (const sink of sinks) sink.write(lines);
}

/**
 * Lines go straight to the transports: a winston Logger in front would only add one more object
 * stream hop per line (its formats and level filter are done here).
 */
function wrap(sinks: TransportSink[], maker: LineMaker, bound: Record<string, unknown> | null, state: LoggerState): AgentLogger {
  const log = (level: LogLevel) => (message: string, meta?: Record<string, unknown>) => {
    if (state.closed || sinks.length === 0 || LEVELS[level] > maker.maxLevel) return;
    let line: LogLine;
    try {
      line = makeLine(maker, level, message, bound, meta);
    } catch {
      // A field whose getter throws must not turn a log call into a failed command.
      line = { level, message: maker.redactor.redactString(String(message)), timestamp: maker.timestamp(), metaJson: '{"logError":"the fields of this line could not be read"}' };
    }
    state.pending.push(line);
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    setImmediate(() => flush(sinks, state));
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
      flush(sinks, state);
      await Promise.all(sinks.map((sink) => sink.end(5_000)));
    },
  };
}
