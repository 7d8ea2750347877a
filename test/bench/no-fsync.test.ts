import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { Journal } from '../../agent/journal/journal.js';
import type { ResultMessage } from '../../protocol/index.js';

// The bench's durability comparison turns fsync off (RuntimeOptions.fsync): that must change durability only, never content.

test('a journal without fsync writes the same records and counts no syncs', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'wba-nofsync-')), 'journal.jsonl');
  const journal = await Journal.open({ path, fsync: false });
  await journal.begin('c1', { op: 'resetPassword', target: { by: 'uid', value: 'alice' }, directory: 'ldap', receivedAt: '2026-11-21T20:00:00.000Z', expiresAt: '2026-11-21T20:05:00.000Z' });
  await journal.complete('c1', { type: 'result' } as unknown as ResultMessage);
  t.is(journal.stats().syncs, 0);
  await journal.close();
  const reopened = await Journal.open({ path });
  t.is(reopened.get('c1')?.state, 'done');
  await reopened.close();
  t.is((await readFile(path, 'utf8')).trim().split('\n').length, 2);
});

test('an audit log without fsync still chains its lines', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'wba-nofsync-')), 'audit.jsonl');
  const audit = await AuditLog.open(path, { fsync: false });
  const first = await audit.append({ commandId: 'c1', op: 'resetPassword', directory: 'ldap', dn: 'uid=alice', code: 'OK', status: 'succeeded', time: '2026-11-21T20:00:01.000Z' });
  const second = await audit.append({ commandId: 'c2', op: 'resetPassword', directory: 'ldap', dn: 'uid=bob', code: 'OK', status: 'succeeded', time: '2026-11-21T20:00:02.000Z' });
  await audit.close();
  t.is(second.prev, first.hash);
  t.is((await readFile(path, 'utf8')).trim().split('\n').length, 2);
});
