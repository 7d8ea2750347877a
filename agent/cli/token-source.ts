import { readFile } from 'node:fs/promises';
import { SetupError } from '../errors.js';

/** Where `register` reads its one-time token; argv is readable by every local user (ps, /proc). */
export interface TokenFlags {
  token?: string | undefined;
  'token-file'?: string | undefined;
  'token-stdin'?: boolean | undefined;
}

/** How the token is read: injected so tests need no terminal. */
export interface TokenInput {
  readFile: (path: string) => Promise<string>;
  readStdin: () => Promise<string>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export const PROCESS_TOKEN_INPUT: TokenInput = { readFile: (path) => readFile(path, 'utf8'), readStdin: () => readAll(process.stdin) };

/**
 * The registration token from exactly one of `--token T`, `--token-file F` or `--token-stdin`,
 * surrounding whitespace (a trailing newline) removed. Throws SetupError naming the fix.
 */
export async function readRegistrationToken(flags: TokenFlags, input: TokenInput = PROCESS_TOKEN_INPUT): Promise<string> {
  const given = [flags.token !== undefined, flags['token-file'] !== undefined, flags['token-stdin'] === true].filter(Boolean).length;
  if (given === 0)
    throw new SetupError(
      'CONFIG',
      'register: a token is required: --token-file F or --token-stdin (or --token T, which other local users can read); copy a one-time registration token from the reset service',
    );
  if (given > 1) throw new SetupError('CONFIG', 'register: give the token once: --token, --token-file or --token-stdin');
  let token: string;
  if (flags['token-file'] !== undefined) {
    try {
      token = await input.readFile(flags['token-file']);
    } catch (error) {
      throw new SetupError('CONFIG', `register: cannot read --token-file ${flags['token-file']} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else if (flags['token-stdin'] === true) {
    token = await input.readStdin();
  } else {
    token = flags.token ?? '';
  }
  token = token.trim();
  if (token === '' || /\s/.test(token)) throw new SetupError('CONFIG', 'register: the token is empty or has spaces inside: copy the one-time registration token again');
  return token;
}
