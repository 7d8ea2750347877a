import { createHash, randomBytes } from 'node:crypto';
import type { PortalDb } from './portal-tables.js';

/** Minutes a portal session lives after its last step. */
export const SESSION_MINUTES = 15;

/** What one browser has proved so far; kept server-side, the cookie holds only a random id. */
export interface PortalSessionData {
  /** The anti-CSRF token every form carries back. */
  csrf: string;
  /** The user name being reset or unlocked (as typed; never confirmed to exist). */
  user: string | null;
  /** The user says they are an administrator, or the agent said the account is protected. */
  admin: boolean;
  action: 'reset' | 'unlock';
  /** Methods passed in this session (`email`, `sms`, `totp`, `link`). */
  passed: string[];
  /** Methods a code or link was asked for in this session. */
  sent: string[];
  /** Registration: the user who signed in with their directory password, and their pending choices. */
  signedIn: string | null;
  pendingEmail: string | null;
  pendingPhone: string | null;
  /** The authenticator secret being enrolled, sealed under the portal key. */
  pendingTotp: string | null;
}

export interface PortalSession {
  idHash: string;
  data: PortalSessionData;
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

function fresh(): PortalSessionData {
  return { csrf: randomBytes(24).toString('base64url'), user: null, admin: false, action: 'reset', passed: [], sent: [], signedIn: null, pendingEmail: null, pendingPhone: null, pendingTotp: null };
}

/** Sessions in the shared database (any node can serve the next step); ids are 32 random bytes, stored hashed. */
export class PortalSessions {
  constructor(
    private readonly db: PortalDb,
    private readonly now: () => Date,
  ) {}

  async load(cookieId: string | null): Promise<PortalSession | null> {
    if (cookieId === null || !/^[A-Za-z0-9_-]{43}$/.test(cookieId)) return null;
    const idHash = hashSessionId(cookieId);
    const row = await this.db.selectFrom('portal_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (row === undefined || row.expires_at < this.now().toISOString()) return null;
    return { idHash, data: JSON.parse(row.data) as PortalSessionData };
  }

  /** A new session; returns the cookie's value once. */
  async create(): Promise<{ cookieId: string; session: PortalSession }> {
    const cookieId = randomBytes(32).toString('base64url');
    const session = { idHash: hashSessionId(cookieId), data: fresh() };
    await this.db.deleteFrom('portal_sessions').where('expires_at', '<', this.now().toISOString()).execute();
    await this.db
      .insertInto('portal_sessions')
      .values({ id_hash: session.idHash, data: JSON.stringify(session.data), expires_at: this.#expiry() })
      .execute();
    return { cookieId, session };
  }

  async save(session: PortalSession): Promise<void> {
    await this.db
      .updateTable('portal_sessions')
      .set({ data: JSON.stringify(session.data), expires_at: this.#expiry() })
      .where('id_hash', '=', session.idHash)
      .execute();
  }

  async end(session: PortalSession): Promise<void> {
    await this.db.deleteFrom('portal_sessions').where('id_hash', '=', session.idHash).execute();
  }

  #expiry(): string {
    return new Date(this.now().getTime() + SESSION_MINUTES * 60_000).toISOString();
  }
}
