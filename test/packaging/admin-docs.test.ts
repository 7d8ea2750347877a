import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { ConnectionStatusWords } from '../../agent/runtime/connection-status-words.js';

/** The words and keys an admin reads in the docs are the ones the code uses. */
const repo = join(import.meta.dirname, '../..');
const read = (path: string): Promise<string> => readFile(join(repo, path), 'utf8');

test('troubleshooting.md explains every connection state `status` prints, and register.md uses the same word', async (t) => {
  const troubleshooting = await read('docs/troubleshooting.md');
  for (const word of Object.values(ConnectionStatusWords)) t.true(troubleshooting.includes(`| \`${word}\` |`), `no row for ${word}`);
  t.true((await read('docs/register.md')).includes(`\`service connection: ${ConnectionStatusWords.ready}\``));
});
