import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromJwk } from '../../protocol/index.js';
import { openMigrated, type ServiceDb } from '../../service/db/open-database.js';
import { insertAgent } from '../../service/store/agents.js';
import { createTenant } from '../../service/store/tenants.js';

/** A migrated SQLite store in a temporary directory (removed at teardown) with tenant `acme` and one agent of fresh keys. */
export async function sqliteTenantWithAgent(t: ExecutionContext, agent: { id: string; name: string }): Promise<{ store: ServiceDb; tenantId: string; now: Date }> {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-tenant-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await openMigrated({ url: null, sqliteFile: join(dir, 'service.db') });
  t.teardown(() => store.close());
  const now = new Date();
  const tenant = await createTenant(store.db, 'acme', now);
  const [signing, encryption] = [keyPairFromJwk(generateKeyPair('Ed25519').jwk), keyPairFromJwk(generateKeyPair('X25519').jwk)];
  await insertAgent(store.db, { id: agent.id, tenantId: tenant.id, name: agent.name, hostname: 'h', version: '1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw }, [], now);
  return { store, tenantId: tenant.id, now };
}
