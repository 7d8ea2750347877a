import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// service/ imports protocol/ and packages only: never agent/, a simulator or a test helper.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ALLOWED = ['service/', 'protocol/'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

test('every relative import of service/ stays in service/ or protocol/', (t) => {
  const files = sources(join(ROOT, 'service'));
  t.true(files.length > 20);
  const outside: string[] = [];
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = relative(ROOT, resolve(dirname(file), match[1]!));
      if (!ALLOWED.some((prefix) => target.startsWith(prefix))) outside.push(`${relative(ROOT, file)} → ${target}`);
    }
  }
  t.deepEqual(outside, []);
});
