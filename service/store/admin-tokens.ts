import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';
import { hashToken, newToken } from './secret-hash.js';

/** Issues a bearer token for the admin API; it is printed once and only its hash is kept. */
export async function createAdminToken(db: Kysely<ServiceDatabase>, name: string, now: Date): Promise<string> {
  const token = newToken('wba_');
  await db
    .insertInto('admin_tokens')
    .values({ token_hash: hashToken(token), name, created_at: now.toISOString() })
    .execute();
  return token;
}

/** The token's name when it is valid, else null. */
export async function checkAdminToken(db: Kysely<ServiceDatabase>, token: string): Promise<string | null> {
  const row = await db.selectFrom('admin_tokens').select('name').where('token_hash', '=', hashToken(token)).executeTakeFirst();
  return row?.name ?? null;
}
