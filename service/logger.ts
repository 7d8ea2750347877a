/** The service's log: one JSON object per line on stderr. Callers pass ids and codes, never secrets or frame content. */
export interface ServiceLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

export function jsonLineLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): ServiceLogger {
  const at =
    (name: LogLevel) =>
    (message: string, meta: Record<string, unknown> = {}) => {
      if (LEVELS[name] >= LEVELS[level]) write(`${JSON.stringify({ time: new Date().toISOString(), level: name, message, ...meta })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function errorName(error: unknown): string {
  if (error instanceof Error) return (error as Error & { code?: unknown }).code !== undefined ? `${error.name}/${String((error as Error & { code?: unknown }).code)}` : error.name;
  return 'unknown';
}
