import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ServiceError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const COMMON_FLAGS = {
  data: { type: 'string' },
  db: { type: 'string' },
} as const satisfies Options;

/**
 * Strict parsing: an unknown flag or a missing value is a one-line usage error. A value-taking flag
 * always takes the next argument, even one starting with "-" (generated tokens may).
 */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  const all = { ...COMMON_FLAGS, ...options };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    const next = argv[i + 1];
    if (name !== null && all[name]?.type === 'string' && next?.startsWith('-') === true) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  try {
    return parseArgs({ args, options: all, strict: true, allowPositionals: true });
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? 'bad arguments') : String(error);
    throw new ServiceError('USAGE', `${reason} (see \`writeback-service help\`)`);
  }
}

/** A required flag's value, or a usage error naming it. */
export function required(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value === '') throw new ServiceError('USAGE', `--${flag} is required (see \`writeback-service help ${command}\`)`);
  return value;
}
