import { chmod, mkdir, stat } from 'node:fs/promises';
import { PrivatePathError } from './private-path-error.js';

const POSIX = process.platform !== 'win32';

/** Creates `dir` (mode 0700) when missing; refuses an existing one that others can enter, saying the chmod to run. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!POSIX) return;
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

/** Refuses a file that group or others may access, or that another account owns. */
export function assertPrivateFile(path: string, info: { mode: number; uid: number }): void {
  if (!POSIX) return;
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
