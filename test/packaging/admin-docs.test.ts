import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { configSchema } from '../../agent/config/config-schema.js';
import { parseConfigText } from '../../agent/config/load-config.js';
import { configKeys } from '../../agent/config/schema.js';
import { ConnectionStatusWords } from '../../agent/runtime/connection-status-words.js';

/** The words and keys an admin reads in the docs are the ones the code uses. */
const repo = join(import.meta.dirname, '../..');
const read = (path: string): Promise<string> => readFile(join(repo, path), 'utf8');

test('troubleshooting.md explains every connection state `status` prints, and register.md uses the same word', async (t) => {
  const troubleshooting = await read('docs/troubleshooting.md');
  for (const word of Object.values(ConnectionStatusWords)) t.true(troubleshooting.includes(`| \`${word}\` |`), `no row for ${word}`);
  t.true((await read('docs/register.md')).includes(`\`service connection: ${ConnectionStatusWords.ready}\``));
});

test("configuration.md has a row for every key of the config schema, with the schema's default", async (t) => {
  const reference = await read('docs/configuration.md');
  const rows = new Map([...reference.matchAll(/^\| `([^`]+)` \| [^|]+ \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));
  const keys = configKeys(configSchema);
  t.true(keys.length > 40, `the schema walk found only ${keys.length} keys`);
  for (const key of keys) {
    const cell = rows.get(key.path);
    if (cell === undefined) {
      t.fail(`configuration.md has no row for ${key.path}`);
      continue;
    }
    t.is(cell, key.required ? 'required' : `\`${JSON.stringify(key.fallback)}\``, key.path);
  }
  t.deepEqual(
    [...rows.keys()].filter((path) => !keys.some((key) => key.path === path)),
    [],
    'rows for keys the schema does not have',
  );
});

test('both example configs are valid, use the file store a server needs, and cover both directory kinds', async (t) => {
  for (const [file, kind] of [
    ['config.example.json', 'activeDirectory'],
    ['config.openldap.example.json', 'openldap'],
  ] as const) {
    const config = parseConfigText(await read(file), join(repo, file));
    t.is(config.secretStore, 'file', file);
    t.deepEqual(
      config.directories.map((d) => d.kind),
      [kind],
      file,
    );
  }
});

test('README and docs point to documents in the repository, not to contracts kept elsewhere', async (t) => {
  const files = ['README.md', ...(await readdir(join(repo, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  for (const file of files) {
    const text = await read(file);
    for (const outside of ['SPEC.md', 'AGENT-INTERFACE', 'SERVICE-INTERFACE', '/work/shared']) t.false(text.includes(outside), `${file} refers to ${outside}`);
  }
});
