// `npm test`'s first step: on a machine that lacks what the test tiers need (slapd, Samba,
// chromium, …), one line naming the command that installs it, instead of dozens of failures.
// The package list is read from .ci/run, the script that installs it, so the two cannot drift.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SETUP_COMMAND = 'sudo bash .ci/run';

/** The Debian packages of .ci/run's apt list. */
export function requiredPackages(ciRun: string): string[] {
  const list = /^for pkg in ([^;]+); do/m.exec(ciRun)?.[1];
  if (list === undefined) throw new Error('.ci/run has no `for pkg in …; do` line listing the packages');
  return list.trim().split(/\s+/);
}

/** What is missing here, in words, or null when every tier can run. */
export function missingForTests(packages: readonly string[]): string | null {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...packages], { encoding: 'utf8' });
  if (query.error !== undefined) return 'this is not a Debian machine (no dpkg-query), and the test tiers need Debian packages';
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]),
  );
  const missing = packages.filter((name) => !installed.has(name));
  if (missing.length > 0) return `the test tiers need Debian packages that are missing (${missing.join(', ')})`;
  // The Samba AD tier binds port 636 and writes xattrs.
  if (process.getuid?.() !== 0) return 'the test tiers need root (the Samba AD fixture binds port 636)';
  return null;
}

if (import.meta.main) {
  const problem = missingForTests(requiredPackages(readFileSync(join(import.meta.dirname, '../.ci/run'), 'utf8')));
  if (problem !== null) {
    process.stderr.write(`npm test: ${problem}; run \`${SETUP_COMMAND}\` once (as root it installs them with apt-get, then runs every test tier)\n`);
    process.exit(1);
  }
}
