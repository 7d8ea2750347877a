import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';
import { hashToken } from './secret-hash.js';

/** How long a help desk sign-in lasts: at most `maxMs` from sign-in, and `idleMs` after the last page. */
export interface SessionLimits {
  maxMs: number;
  idleMs: number;
}

/** A live help desk session: the admin token's name, and the id the cookie carries (for the form token). */
export interface HelpdeskSessionRow {
  name: string;
  tokenHash: string;
}

/**
 * Opens a session for the admin token whose hash is `tokenHash` and returns its id (32 random
 * bytes), which only the operator's cookie holds; the database keeps its SHA-256. Sessions that
 * ran out are dropped on the way.
 */
export async function openHelpdeskSession(db: Kysely<ServiceDatabase>, tokenHash: string, limits: SessionLimits, now: Date): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await dropExpiredSessions(db, limits, now);
  await db
    .insertInto('helpdesk_sessions')
    .values({ id_hash: hashToken(id), token_hash: tokenHash, created_at: now.toISOString(), expires_at: new Date(now.getTime() + limits.maxMs).toISOString(), last_used_at: now.toISOString() })
    .execute();
  return id;
}

/**
 * The session `id` names when it exists, has not expired, was used within the idle timeout and its
 * admin token still exists (a revoked token ends it); then its last use is now. Null otherwise.
 */
export async function useHelpdeskSession(db: Kysely<ServiceDatabase>, id: string, limits: SessionLimits, now: Date): Promise<HelpdeskSessionRow | null> {
  const nowText = now.toISOString();
  const idHash = hashToken(id);
  const row = await db
    .selectFrom('helpdesk_sessions')
    .innerJoin('admin_tokens', 'admin_tokens.token_hash', 'helpdesk_sessions.token_hash')
    .select(['admin_tokens.name', 'helpdesk_sessions.token_hash', 'helpdesk_sessions.expires_at', 'helpdesk_sessions.last_used_at'])
    .where('helpdesk_sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (row === undefined || row.expires_at <= nowText || Date.parse(row.last_used_at) + limits.idleMs <= now.getTime()) return null;
  await db.updateTable('helpdesk_sessions').set({ last_used_at: nowText }).where('id_hash', '=', idHash).execute();
  return { name: row.name, tokenHash: row.token_hash };
}

/** Sign-out: the session ends here, whatever the browser keeps. */
export async function endHelpdeskSession(db: Kysely<ServiceDatabase>, id: string): Promise<void> {
  await db.deleteFrom('helpdesk_sessions').where('id_hash', '=', hashToken(id)).execute();
}

/** Deletes the sessions that ran out (past `maxMs`, or idle for `idleMs`): at each sign-in and in each node's housekeeping, so a session nobody signs out of does not stay stored. Returns how many. */
export async function dropExpiredSessions(db: Kysely<ServiceDatabase>, limits: SessionLimits, now: Date): Promise<number> {
  const idleSince = new Date(now.getTime() - limits.idleMs).toISOString();
  const dropped = await db
    .deleteFrom('helpdesk_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now.toISOString()), eb('last_used_at', '<=', idleSince)]))
    .executeTakeFirst();
  return Number(dropped.numDeletedRows);
}
