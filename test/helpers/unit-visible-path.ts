import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hiddenBySandbox } from '../../agent/service/sandbox-hidden-paths.js';

/**
 * Where tests put what a systemd unit must see when the repository itself lives where the unit's
 * sandbox hides it (a clone under /tmp or /home): install-service refuses such paths.
 */
const VISIBLE_BASE = '/var/lib/writeback-agent-tests';
let links: string | null = null;

/** `path` itself when the unit could see it, else a symbolic link to it (named `name`) outside the hidden paths. */
export function unitVisiblePath(path: string, name: string): string {
  if (hiddenBySandbox(path) === null) return path;
  if (links === null) {
    mkdirSync(VISIBLE_BASE, { recursive: true });
    links = mkdtempSync(join(VISIBLE_BASE, 'links-'));
  }
  const link = join(links, name);
  symlinkSync(path, link);
  return link;
}

/** A fresh directory the unit could see: under `repo/.tmp`, or outside the hidden paths when the repository is in one. */
export function unitVisibleTempDir(repo: string, prefix: string): string {
  const base = hiddenBySandbox(repo) === null ? join(repo, '.tmp') : VISIBLE_BASE;
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, prefix));
}
