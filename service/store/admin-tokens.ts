import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';
import { PreparedQuery } from '../db/prepared-query.js';
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
  return (await findAdminToken(db, token))?.name ?? null;
}

/** Read on every admin API request: never cached, so a revoked token is refused at once on every node. */
const TOKEN_BY_HASH = new PreparedQuery<{ tokenHash: string }, { name: string; token_hash: string }>((db, param) =>
  db.selectFrom('admin_tokens').select(['name', 'token_hash']).where('token_hash', '=', param('tokenHash')),
);

/** The token's name and hash (its id: help desk sessions refer to it) when it is valid, else null. */
export async function findAdminToken(db: Kysely<ServiceDatabase>, token: string): Promise<{ name: string; tokenHash: string } | null> {
  const row = (await TOKEN_BY_HASH.execute(db, { tokenHash: hashToken(token) })).rows[0];
  return row === undefined ? null : { name: row.name, tokenHash: row.token_hash };
}

/** Revokes every admin token named `name` and ends the help desk sessions opened with them; returns how many tokens. */
export async function revokeAdminTokens(db: Kysely<ServiceDatabase>, name: string): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const hashes = (await tx.selectFrom('admin_tokens').select('token_hash').where('name', '=', name).execute()).map((row) => row.token_hash);
    if (hashes.length === 0) return 0;
    await tx.deleteFrom('helpdesk_sessions').where('token_hash', 'in', hashes).execute();
    await tx.deleteFrom('admin_tokens').where('token_hash', 'in', hashes).execute();
    return hashes.length;
  });
}

/** Every admin token's name and creation time (never the token or its hash). */
export async function listAdminTokens(db: Kysely<ServiceDatabase>): Promise<{ name: string; createdAt: string }[]> {
  const rows = await db.selectFrom('admin_tokens').select(['name', 'created_at']).orderBy('created_at').execute();
  return rows.map((row) => ({ name: row.name, createdAt: row.created_at }));
}
