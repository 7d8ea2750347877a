import { randomBytes, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { generateKeyPair, keyPairFromJwk, type OkpPrivateJwk, type ServiceKey } from '../../protocol/index.js';
import { readSecretReference } from '../config/secret-reference.js';
import type { ServiceConfig } from '../config/service-config.js';
import type { DataDir } from '../config/data-dir.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import { ServiceError } from '../errors.js';

/** A signing key this node can sign with. */
export interface LoadedSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKeyRaw: string;
  createdAt: string;
}

export const KeyStatus = {
  /** Signs commands for agents that trust it; announced to agents registering now. */
  active: 'active',
  /** No longer used or announced. */
  retired: 'retired',
} as const;

/**
 * Creates a signing key: the private JWK as `keys/<kid>.jwk` (mode 0600) in the data directory and
 * its public half in the database. Nodes of one service need the same key files (copy them, or
 * give each node a `signingKeys` reference to where they are kept).
 */
export async function createSigningKey(db: Kysely<ServiceDatabase>, dataDir: DataDir, now: Date): Promise<ServiceKey> {
  const { jwk, publicKeyRaw } = generateKeyPair('Ed25519');
  const kid = `k-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
  writeFileSync(join(dataDir.keysDir, `${kid}.jwk`), `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
  await db.insertInto('signing_keys').values({ kid, public_key: publicKeyRaw, created_at: now.toISOString(), status: KeyStatus.active }).execute();
  return { kid, publicKey: publicKeyRaw };
}

/** The kids of the active signing keys, newest (the one that signs, the one retirement waits on) first. */
export async function activeKids(db: Kysely<ServiceDatabase>): Promise<string[]> {
  const rows = await db.selectFrom('signing_keys').select('kid').where('status', '=', KeyStatus.active).orderBy('created_at', 'desc').execute();
  return rows.map((row) => row.kid);
}

/** Every active key with its private half, newest first; a key whose private half is missing is a start-up error. */
export async function loadSigningKeys(db: Kysely<ServiceDatabase>, dataDir: DataDir, config: ServiceConfig): Promise<LoadedSigningKey[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().where('status', '=', KeyStatus.active).orderBy('created_at', 'desc').execute();
  if (rows.length === 0) throw new ServiceError('CONFIG', 'the service has no signing key; run `writeback-service init` (or `keys rotate`)');
  return rows.map((row) => {
    const reference = config.signingKeys[row.kid] ?? { file: join('keys', `${row.kid}.jwk`) };
    const text = readSecretReference(reference, dataDir.path, `signing key ${row.kid}`, { privateFile: true });
    let pair;
    try {
      pair = keyPairFromJwk(JSON.parse(text) as OkpPrivateJwk);
    } catch (error) {
      throw new ServiceError('CONFIG', `signing key ${row.kid}: not an Ed25519 private JWK; restore the key file from a backup`, { cause: error });
    }
    if (pair.publicKeyRaw !== row.public_key) throw new ServiceError('CONFIG', `signing key ${row.kid}: the private key does not match the database's public key; copy the right key file`);
    return { kid: row.kid, privateKey: pair.privateKey, publicKeyRaw: row.public_key, createdAt: row.created_at };
  });
}

/** The `serviceKeys` a registering agent receives: every active key. */
export async function announcedKeys(db: Kysely<ServiceDatabase>): Promise<ServiceKey[]> {
  const rows = await db.selectFrom('signing_keys').select(['kid', 'public_key']).where('status', '=', KeyStatus.active).orderBy('created_at', 'asc').execute();
  return rows.map((row) => ({ kid: row.kid, publicKey: row.public_key }));
}

/** The newest key the agent trusts, among those this node holds; null when it trusts none of them. */
export function keyForAgent(keys: readonly LoadedSigningKey[], trustedKids: ReadonlySet<string>): LoadedSigningKey | null {
  return keys.find((key) => trustedKids.has(key.kid)) ?? null;
}
