import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromJwk } from '../../protocol/index.js';
import { defaultTargetKind } from '../../service/commands/default-target-kind.js';
import { openMigrated } from '../../service/db/open-database.js';
import { insertAgent, listAgents } from '../../service/store/agents.js';
import { createTenant } from '../../service/store/tenants.js';

// defaultTargetKind on agent rows read back from a real SQLite database.

async function tenantWithOneAgent(t: ExecutionContext, directories: string | null) {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-target-kind-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await openMigrated({ url: null, sqliteFile: join(dir, 'service.db') });
  t.teardown(() => store.close());
  const now = new Date();
  const tenant = await createTenant(store.db, 'acme', now);
  const [signing, encryption] = [keyPairFromJwk(generateKeyPair('Ed25519').jwk), keyPairFromJwk(generateKeyPair('X25519').jwk)];
  await insertAgent(store.db, { id: 'agent-1', tenantId: tenant.id, name: 'dc-1', hostname: 'h', version: '1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw }, [], now);
  await store.db.updateTable('agents').set({ directories: directories }).where('id', '=', 'agent-1').execute();
  return listAgents(store.db, tenant.id);
}

test('an agent that reported an OpenLDAP default directory makes uid the default', async (t) => {
  const agents = await tenantWithOneAgent(t, JSON.stringify({ directories: [{ id: 'main', kind: 'openldap' }], defaultDirectory: 'main' }));
  t.is(defaultTargetKind(agents, undefined), 'uid');
});

test('an agent that never reported its directories is refused with a message saying so', async (t) => {
  const agents = await tenantWithOneAgent(t, null);
  t.throws(() => defaultTargetKind(agents, undefined), { message: /agent agent-1 \(dc-1\) has not reported its directories' kinds/ });
});

test('a stored directories report that does not read is refused with its own one-line message, not as "never reported"', async (t) => {
  for (const stored of ['{not json', JSON.stringify({ directories: 'main' })]) {
    const agents = await tenantWithOneAgent(t, stored);
    const error = t.throws(() => defaultTargetKind(agents, undefined), { message: /agent agent-1 \(dc-1\)/ });
    t.notRegex(error.message, /has not reported/);
    t.regex(error.message, /does not read.*next session.*agents remove/);
    t.false(error.message.includes('\n'));
  }
});
