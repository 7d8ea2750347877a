import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromJwk } from '../../protocol/index.js';
import { removeAgent } from '../../service/commands/remove-agent.js';
import { openMigrated } from '../../service/db/open-database.js';
import { insertAgent } from '../../service/store/agents.js';
import { createTenant } from '../../service/store/tenants.js';

// removeAgent on a real SQLite database: the removal is decided inside its transaction, so two
// removals of one agent at once (two admins, two nodes) leave one success and one NOT_FOUND.

test('two removals of the same agent at once: one removes it, the other finds no agent', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-remove-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await openMigrated({ url: null, sqliteFile: join(dir, 'service.db') });
  t.teardown(() => store.close());
  const now = new Date();
  const tenant = await createTenant(store.db, 'acme', now);
  const [signing, encryption] = [keyPairFromJwk(generateKeyPair('Ed25519').jwk), keyPairFromJwk(generateKeyPair('X25519').jwk)];
  await insertAgent(store.db, { id: 'stale-agent', tenantId: tenant.id, name: 'old', hostname: 'h', version: '1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw }, [], now);
  const input = { tenantId: tenant.id, agentId: 'stale-agent', force: false, staleMs: 90_000, now };
  const outcomes = await Promise.allSettled([removeAgent(store.db, input), removeAgent(store.db, input)]);
  t.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1, JSON.stringify(outcomes.map((o) => o.status)));
  const refused = outcomes.find((o) => o.status === 'rejected');
  t.like(refused?.reason, { code: 'NOT_FOUND' });
});
