import { chmod, mkdir, mkdtemp, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { AuditLog } from '../../../../agent/audit/audit-log.js';
import { closeLogger, createLogger } from '../../../../agent/logging/create-logger.js';

// Issue 24, item 7: the audit and operational logs are created 0600 and checked like the state
// directory: no symbolic link as the file, no directory others can write to.

async function dir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'wa-append-'));
}

test('the audit log refuses a symbolic link, a file others can read, and a directory others can write', async (t) => {
  const base = await dir();
  await writeFile(join(base, 'elsewhere'), '');
  await symlink(join(base, 'elsewhere'), join(base, 'audit.jsonl'));
  await t.throwsAsync(AuditLog.open(join(base, 'audit.jsonl')), { message: /is a symbolic link/ });

  const open = join(base, 'open.jsonl');
  await writeFile(open, '', { mode: 0o644 });
  await chmod(open, 0o644);
  await t.throwsAsync(AuditLog.open(open), { message: /accessible to other accounts \(mode 0644\); run: chmod 600/ });

  const shared = join(base, 'shared');
  await mkdir(shared);
  await chmod(shared, 0o777);
  await t.throwsAsync(AuditLog.open(join(shared, 'audit.jsonl')), { message: /writable by other accounts \(mode 0777\)/ });

  const good = join(base, 'good', 'audit.jsonl');
  const log = await AuditLog.open(good);
  await log.close();
  t.is((await stat(good)).mode & 0o777, 0o600);
});

test('the operational log file is created 0600, and a symbolic link in its place is refused', async (t) => {
  const base = await dir();
  const logger = createLogger({ level: 'info', dir: base, maxFileBytes: 1 << 20, maxFiles: 2, console: false });
  logger.info('hello');
  await closeLogger(logger);
  t.is((await stat(join(base, 'agent.log'))).mode & 0o777, 0o600);

  const other = await dir();
  await writeFile(join(other, 'target'), '');
  await symlink(join(other, 'target'), join(other, 'agent.log'));
  t.throws(() => createLogger({ level: 'info', dir: other, maxFileBytes: 1 << 20, maxFiles: 2, console: false }), { message: /is a symbolic link/ });
});
