import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SetupError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing: an unknown flag or a missing value is a one-line error naming it. */
export function parseFlags<O extends Options>(argv: string[], options: O, command: string): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>> {
  try {
    return parseArgs({ args: bindValues(argv, options), options, strict: true, allowPositionals: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new SetupError('CONFIG', `${command}: ${reason} (see \`writeback-agent help\`)`);
  }
}

/**
 * `--token -Xy…` is the token `-Xy…`: a value-taking flag always takes the next argument, even one
 * that starts with "-" (registration tokens are base64url and may). node's parseArgs would refuse it.
 */
export function bindValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    const next = argv[i + 1];
    if (name !== null && options[name]?.type === 'string' && next !== undefined && next.startsWith('-')) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
