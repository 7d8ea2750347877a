import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import test from 'ava';
import { Diagnosis } from '../../agent/diagnose/network-causes.js';
import { ResultCode } from '../../protocol/codes.js';

/** The operator docs keep up with the code: every result code and every check name has a row. */
const repo = join(import.meta.dirname, '../..');
const troubleshooting = await readFile(join(repo, 'docs/troubleshooting.md'), 'utf8');

test('troubleshooting.md has a row for every result code of protocol/codes.ts', (t) => {
  for (const code of Object.values(ResultCode)) t.true(troubleshooting.includes(`| \`${code}\` |`), `no row for ${code}`);
});

test('troubleshooting.md has a row for every check name the permission reports use', async (t) => {
  const names = new Set<string>();
  for (const kind of ['ad', 'openldap']) {
    const dir = join(repo, 'agent/directory', kind);
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.includes('permission') && f.endsWith('.ts'));
    for (const file of files) {
      const source = await readFile(join(dir, file), 'utf8');
      // check('x', …), probeCheck('x', …), { name: 'x', … }, ['x', AdAttribute…], and `for (const name of ['x', …])`.
      for (const pattern of [/(?:\bcheck|probeCheck)\('([A-Za-z]+)'/g, /\bname: '([A-Za-z]+)'/g, /\['([A-Za-z]+)', AdAttribute\./g]) {
        for (const match of source.matchAll(pattern)) names.add(match[1]!);
      }
      for (const list of source.matchAll(/for \(const name of \[([^\]]+)\]\)/g)) {
        for (const match of list[1]!.matchAll(/'([A-Za-z]+)'/g)) names.add(match[1]!);
      }
    }
  }
  // The extraction must at least find SPEC.md's six, or it proves nothing.
  for (const required of ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy']) t.true(names.has(required), `extraction missed ${required}`);
  for (const name of names) t.true(troubleshooting.includes(`| \`${name}\` |`), `no row for the check ${name}`);
});

test('troubleshooting.md has a row for every cause diagnose names, and lists every step', (t) => {
  for (const cause of Object.keys(Diagnosis.causes)) t.true(troubleshooting.includes(`| \`${cause}\` |`), `no row for the cause ${cause}`);
  const diagnose = troubleshooting.slice(troubleshooting.indexOf('## diagnose'));
  for (const step of [...Diagnosis.steps.service, ...Diagnosis.steps.directory]) t.true(diagnose.includes(`\`${step}\``), `the step ${step} is not named`);
});

test('every relative link between the docs points at a file that exists', async (t) => {
  const docs = join(repo, 'docs');
  for (const file of (await readdir(docs)).filter((f) => f.endsWith('.md'))) {
    const text = await readFile(join(docs, file), 'utf8');
    for (const match of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = match[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      t.true(existsSync(join(dirname(join(docs, file)), target)), `${file} links to ${target}`);
    }
  }
});
