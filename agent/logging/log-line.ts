import type { LogLevel } from './logger.js';

/** One redacted line, before a transport's rendering. */
export interface LogLine {
  level: LogLevel;
  /** Redacted. */
  message: string;
  /** RFC 3339. */
  timestamp: string;
  /** JSON of the redacted meta fields (the child's, then the line's): `{}` when there are none. */
  metaJson: string;
}

/** The file's JSON line: `{"level","message","timestamp", ...meta}`. */
export function lineJson(line: LogLine): string {
  const head = `{"level":${JSON.stringify(line.level)},"message":${JSON.stringify(line.message)},"timestamp":${JSON.stringify(line.timestamp)}`;
  return line.metaJson === '{}' ? `${head}}` : `${head},${line.metaJson.slice(1)}`;
}

/** The console's readable line: `<timestamp> <level> <message> <meta JSON>`. */
export function lineText(line: LogLine): string {
  const rest = line.metaJson === '{}' ? '' : ` ${line.metaJson}`;
  return `${line.timestamp} ${line.level.padEnd(5)} ${line.message}${rest}`;
}
