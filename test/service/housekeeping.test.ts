import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDir } from '../../service/config/data-dir.js';
import { defaultConfig } from '../../service/config/service-config.js';
import { openMigrated } from '../../service/db/open-database.js';
import { createSigningKey } from '../../service/keys/signing-keys.js';
import { jsonLineLogger } from '../../service/logger.js';
import { ServiceNode } from '../../service/service-node.js';
import { createAdminToken } from '../../service/store/admin-tokens.js';
import { openHelpdeskSession } from '../../service/store/helpdesk-sessions.js';
import { eventually } from '../helpers/eventually.js';

// A service node's periodic housekeeping (each heartbeat) on a real SQLite database, with the
// node's clock in the test's hands.

test('help desk sessions that ran out are deleted by housekeeping, not only at the next sign-in', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-housekeeping-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dataDir = new DataDir(join(dir, 'data'));
  dataDir.create();
  const config = defaultConfig();
  config.agents.heartbeatIntervalMs = 50;
  const setup = await openMigrated({ url: null, sqliteFile: dataDir.sqliteFile });
  await createSigningKey(setup.db, dataDir, new Date());
  await createAdminToken(setup.db, 'desk', new Date());
  await setup.close();
  let clock = new Date('2026-12-05T00:00:00.000Z');
  const node = await ServiceNode.start({ dataDir, config, listen: '127.0.0.1:0', tls: null, logger: jsonLineLogger('error', new PassThrough()), now: () => clock });
  t.teardown(() => node.stop(0));
  const db = node.context.store.db;
  const token = await db.selectFrom('admin_tokens').select('token_hash').executeTakeFirstOrThrow();
  const limits = { maxMs: config.helpdesk.sessionMaxMs, idleMs: config.helpdesk.sessionIdleMs };
  await openHelpdeskSession(db, token.token_hash, limits, clock);
  await openHelpdeskSession(db, token.token_hash, limits, clock);
  // One of the two goes idle (no page for longer than idleMs); the other is still in use.
  const idle = await db.selectFrom('helpdesk_sessions').select('id_hash').executeTakeFirstOrThrow();
  await db
    .updateTable('helpdesk_sessions')
    .set({ last_used_at: new Date(clock.getTime() - limits.idleMs - 1).toISOString() })
    .where('id_hash', '=', idle.id_hash)
    .execute();
  await eventually(async () => (await db.selectFrom('helpdesk_sessions').select('id_hash').where('id_hash', '=', idle.id_hash).execute()).length === 0, {
    timeoutMs: 5_000,
    what: 'housekeeping to delete the idle session',
  });
  t.is((await db.selectFrom('helpdesk_sessions').select('id_hash').execute()).length, 1);
  // Past the longest a session may last, the other one goes too.
  clock = new Date(clock.getTime() + limits.maxMs + 1);
  await eventually(async () => (await db.selectFrom('helpdesk_sessions').select('id_hash').execute()).length === 0, { timeoutMs: 5_000, what: 'housekeeping to delete the expired session' });
});
