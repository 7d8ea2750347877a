import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tryLock, unlock } from '../fixtures/samba/file-lock.js';

/**
 * Runs `fn` while holding the repository's build lock. `npm pack` rebuilds dist/ (prebuild removes
 * it first), so two test files packing at once would ship each other's half-built tree.
 */
export async function withBuildLock<T>(repo: string, fn: () => T | Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  await mkdir(join(repo, '.tmp'), { recursive: true });
  const path = join(repo, '.tmp', 'build.lock');
  const deadline = Date.now() + timeoutMs;
  while (!(await tryLock(path, { what: 'npm pack / npm run package' }))) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for the build lock ${path}`);
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    await unlock(path);
  }
}
