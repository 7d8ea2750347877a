import type { ServiceLogger } from './options.js';

/** Logs to stderr as `time level message {meta}` (stdout is kept for what the CLI prints). */
export function consoleLogger(minimum: 'debug' | 'info' | 'warn' | 'error' = 'info'): ServiceLogger {
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  const line = (level: (typeof levels)[number]) => (message: string, meta?: Record<string, unknown>) => {
    if (levels.indexOf(level) < levels.indexOf(minimum)) return;
    const tail = meta === undefined ? '' : ` ${JSON.stringify(meta)}`;
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}${tail}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
