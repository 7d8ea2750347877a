import { parseArgs } from 'node:util';
import { SetupError } from '../errors.js';

/** One flag a command accepts; `help` and `value` feed the generated `--help`, `type` the parser. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The placeholder shown after a string flag (`--config F`). */
  readonly value?: string;
  /** Shown in the synopsis without brackets. */
  readonly required?: boolean;
  readonly help: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export type FlagValues<O extends OptionSpecs> = { -readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/**
 * Strict flag parsing against a command's declared options (command-specs.ts), so what `--help`
 * lists is exactly what is accepted. An unknown flag or a missing value is one line naming it.
 */
export function parseFlags<O extends OptionSpecs>(argv: string[], options: O, command: string): { values: FlagValues<O>; positionals: string[] } {
  const config = Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, { type: spec.type }]));
  try {
    const { values, positionals } = parseArgs({ args: bindValues(argv, options), options: config, strict: true, allowPositionals: true });
    return { values: values as FlagValues<O>, positionals };
  } catch (error) {
    throw new SetupError('CONFIG', `${flagProblem(error)}; run \`writeback-agent ${command} --help\``, { cause: error });
  }
}

/** node's parseArgs messages run to three sentences; this says the same in a few words. */
function flagProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) return `unknown option ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    return /argument missing/.test(message) ? `option ${flag.split(' ')[0]} needs a value` : `option ${flag.split(' ')[0]} takes no value`;
  }
  return message.split('\n')[0]?.replace(/\.$/, '') ?? 'bad arguments';
}

/**
 * `--token -Xy…` is the token `-Xy…`: a value-taking flag always takes the next argument, even one
 * that starts with "-" (registration tokens are base64url and may). node's parseArgs would refuse it.
 */
export function bindValues(argv: string[], options: OptionSpecs): string[] {
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
