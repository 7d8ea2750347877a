import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { SetupError } from '../errors.js';

/** More than any password; a guard against piping a file in by mistake. */
const MAX_BYTES = 64 * 1024;

/**
 * The value for `secret set`: from a prompt that does not echo (typed twice) when standard input is
 * a terminal, else all of standard input with one final newline dropped.
 */
export async function readSecretValue(name: string, input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const value = input.isTTY ? await promptTwice(name, input) : await readAll(input);
  if (value === '') throw new SetupError('CONFIG', `no value for ${name}: type it at the prompt or pipe it in (printf %s "$VALUE" | writeback-agent secret set ${name} ...)`);
  return value;
}

async function promptTwice(name: string, input: NodeJS.ReadStream): Promise<string> {
  const first = await promptHidden(`value for ${name} (not shown): `, input);
  const second = await promptHidden('again, to confirm: ', input);
  if (first !== second) throw new SetupError('CONFIG', 'the two values differ; nothing was stored');
  return first;
}

/**
 * readline in terminal mode echoes through `output`; an output that drops everything echoes nothing.
 * The prompt goes out only once readline has put the terminal in raw mode: before that the
 * terminal itself echoes, and a value typed or pasted as soon as the prompt shows would be printed.
 */
async function promptHidden(prompt: string, input: NodeJS.ReadStream): Promise<string> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: silent, terminal: true });
  process.stderr.write(prompt);
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_BYTES) throw new SetupError('CONFIG', `standard input holds more than ${MAX_BYTES} bytes; a secret is one line`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
