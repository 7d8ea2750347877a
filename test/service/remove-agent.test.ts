import test from 'ava';
import type { KyselyPlugin } from 'kysely';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromJwk } from '../../protocol/index.js';
import { removeAgent } from '../../service/commands/remove-agent.js';
import { openMigrated } from '../../service/db/open-database.js';
import { getAgent, insertAgent, recordSession } from '../../service/store/agents.js';
import { createTenant } from '../../service/store/tenants.js';
import { sqliteTenantWithAgent } from '../helpers/sqlite-tenant.js';

// removeAgent on a real SQLite database: the removal is decided inside its transaction, so two
// removals of one agent at once (two admins, two nodes) leave one success and one NOT_FOUND.

test('two removals of the same agent at once: one removes it, the other finds no agent', async (t) => {
  const { store, tenantId, now } = await sqliteTenantWithAgent(t, { id: 'stale-agent', name: 'old' });
  const input = { tenantId, agentId: 'stale-agent', force: false, staleMs: 90_000, now };
  const outcomes = await Promise.allSettled([removeAgent(store.db, input), removeAgent(store.db, input)]);
  t.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1, JSON.stringify(outcomes.map((o) => o.status)));
  const refused = outcomes.find((o) => o.status === 'rejected');
  t.like(refused?.reason, { code: 'NOT_FOUND' });
});

test('an agent that connects between the lookup and the removal is refused without --force, not removed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-remove-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'service.db');
  const admin = await openMigrated({ url: null, sqliteFile: file });
  t.teardown(() => admin.close());
  // The node holding the agent's session: a second connection to the same file, as another process would be.
  const node = await openMigrated({ url: null, sqliteFile: file });
  t.teardown(() => node.close());
  const now = new Date();
  const tenant = await createTenant(admin.db, 'acme', now);
  const [signing, encryption] = [keyPairFromJwk(generateKeyPair('Ed25519').jwk), keyPairFromJwk(generateKeyPair('X25519').jwk)];
  await insertAgent(admin.db, { id: 'racing-agent', tenantId: tenant.id, name: 'new', hostname: 'h', version: '1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw }, [], now);
  // The agent's hello lands right after removeAgent's first read, before anything else it does.
  let connected = false;
  const connectAfterFirstRead: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      if (!connected) {
        connected = true;
        await recordSession(node.db, 'racing-agent', { nodeId: 'node-b', sessionId: 'session-1', version: '1', capabilities: [], protocol: '1', features: [] }, now);
      }
      return args.result;
    },
  };
  const removal = removeAgent(admin.db.withPlugin(connectAfterFirstRead), { tenantId: tenant.id, agentId: 'racing-agent', force: false, staleMs: 90_000, now });
  await t.throwsAsync(removal, { any: true, message: /is connected/ });
  t.true(connected);
  const row = await getAgent(admin.db, 'racing-agent');
  t.is(row?.removed_at, null);
  t.is(row?.session_id, 'session-1');
});
