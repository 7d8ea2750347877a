import { lstatSync, type Stats } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PrivatePathError } from './private-path-error.js';
import { assertProtectedAcls, protectNewDirectory, type AclTarget } from './windows-acl-check.js';
import { AclRequirement } from './windows-acl-judge.js';

const POSIX = process.platform !== 'win32';

/**
 * Windows: how long an ACL that passed is not read again. Each read starts PowerShell (most of a
 * second), and the secret store checks its file on every read; a loosened ACL is seen within this.
 */
const ACL_RECHECK_MS = 5 * 60 * 1000;
const aclPassedAt = new Map<string, number>();

/** Windows: the ACL checks of windows-acl-check.ts in place of the mode checks, a pass remembered for ACL_RECHECK_MS. */
function assertAcls(targets: AclTarget[]): void {
  const now = Date.now();
  const key = (target: AclTarget) => `${target.requirement} ${target.path}`;
  const due = targets.filter((target) => now - (aclPassedAt.get(key(target)) ?? -Infinity) >= ACL_RECHECK_MS);
  assertProtectedAcls(due);
  for (const target of due) aclPassedAt.set(key(target), now);
}

/**
 * Creates `dir` (mode 0700) when missing; refuses an existing one that others can enter, saying the
 * chmod to run. On Windows: a protected ACL instead, set on a directory it creates, required of one
 * that exists (windows-acl-check.ts).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!POSIX) {
    if (created !== undefined) protectNewDirectory(dir);
    else assertAcls([{ path: dir, directory: true, requirement: AclRequirement.protected }]);
    return;
  }
  if (created !== undefined) {
    await chmod(dir, 0o700);
    return;
  }
  const info = await stat(dir);
  if (!info.isDirectory()) throw new PrivatePathError(`${dir} is not a directory; point stateDir at a directory`);
  if ((info.mode & 0o077) !== 0) {
    throw new PrivatePathError(`${dir} is accessible to other accounts (mode ${modeText(info.mode)}); run: chmod 700 ${dir}`);
  }
  assertOwnedByMe(dir, info.uid);
}

/** Refuses a file that group or others may access, or that another account owns (on Windows: whose ACL names another account). */
export function assertPrivateFile(path: string, info: { mode: number; uid: number }): void {
  if (!POSIX) {
    assertAcls([{ path, directory: false, requirement: AclRequirement.trustedEntries }]);
    return;
  }
  if ((info.mode & 0o077) !== 0) {
    throw new PrivatePathError(`${path} is accessible to other accounts (mode ${modeText(info.mode)}); run: chmod 600 ${path}`);
  }
  assertOwnedByMe(path, info.uid);
}

function assertOwnedByMe(path: string, uid: number): void {
  const me = process.getuid?.();
  if (me !== undefined && uid !== me) {
    throw new PrivatePathError(`${path} belongs to uid ${uid}, not to the agent's account (uid ${me}); run: chown ${me} ${path}`);
  }
}

export function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** Sticky directories (/tmp) let no one but the owner replace an entry. */
const STICKY = 0o1000;

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Checks a file the agent appends to (audit log, operational log) before opening it, as the state
 * directory is checked: its directory must not be writable by group or others (unless sticky), the
 * file itself must not be a symbolic link and, when it exists, must be a regular file of the agent's
 * account that no one else may access. Open it with O_NOFOLLOW and mode 0600 afterwards. On
 * Windows the directory's and the file's ACLs may name no other account (windows-acl-judge.ts).
 */
export function assertSafeAppendFile(path: string): void {
  const dir = dirname(path);
  const parent = lstatOrNull(dir);
  if (!POSIX && parent !== null) assertAcls([{ path: dir, directory: true, requirement: AclRequirement.trustedEntries }]);
  if (POSIX && parent !== null && (parent.mode & 0o022) !== 0 && (parent.mode & STICKY) === 0) {
    throw new PrivatePathError(`${dir} is writable by other accounts (mode ${modeText(parent.mode)}), who could replace ${path}; run: chmod go-w ${dir}`);
  }
  const leaf = lstatOrNull(path);
  if (leaf === null) return;
  if (leaf.isSymbolicLink()) throw new PrivatePathError(`${path} is a symbolic link; the agent writes only to a regular file: remove the link`);
  // A device (/dev/null to discard) is root's to create, not another account's trap.
  if (leaf.isCharacterDevice()) return;
  if (!leaf.isFile()) throw new PrivatePathError(`${path} is not a regular file`);
  assertPrivateFile(path, leaf);
}
