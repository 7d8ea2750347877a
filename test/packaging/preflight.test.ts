import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { missingForTests, requiredPackages, SETUP_COMMAND } from '../preflight.js';

const repo = join(import.meta.dirname, '../..');

test('the pre-check reads its package list from .ci/run, which installs it', async (t) => {
  const packages = requiredPackages(await readFile(join(repo, '.ci/run'), 'utf8'));
  for (const name of ['slapd', 'samba', 'chromium', 'systemd', 'lintian']) t.true(packages.includes(name), name);
});

test('a missing package is named, with nothing else to read', (t) => {
  t.is(missingForTests(['no-such-package-for-writeback']), 'the test tiers need Debian packages that are missing (no-such-package-for-writeback)');
});

test("npm test's first step prints one line naming the setup command when the machine lacks the tiers' tools", (t) => {
  // No PATH: dpkg-query cannot be found, as on a machine without Debian's tools.
  const run = spawnSync(process.execPath, ['--import=tsx', join(repo, 'test/preflight.ts')], { cwd: repo, encoding: 'utf8', env: { ...process.env, PATH: '' }, timeout: 60_000 });
  t.is(run.status, 1);
  t.is(run.stdout, '');
  t.is(
    run.stderr,
    `npm test: this is not a Debian machine (no dpkg-query), and the test tiers need Debian packages; run \`${SETUP_COMMAND}\` once (as root it installs them with apt-get, then runs every test tier)\n`,
  );
  const pkg = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("./package.json").scripts.test)'], { cwd: repo, encoding: 'utf8' });
  t.true(pkg.stdout.startsWith('tsx test/preflight.ts && '), 'npm test runs the pre-check first');
});
