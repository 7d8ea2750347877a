import type { PortalDb } from './portal-tables.js';

/**
 * Fixed-window counters in the shared database, so every node counts the same attempts: one key
 * per user name (`user:...`) and one per client address (`addr:...`); the help desk counts its
 * failed sign-ins per address here too (`helpdesk-sign-in:...`).
 */
export class RateLimits {
  constructor(
    private readonly db: PortalDb,
    private readonly now: () => Date,
  ) {}

  /** Whether `key` has already reached `limit` attempts in its current window (counts nothing). */
  async reached(key: string, limit: number, windowSeconds: number): Promise<boolean> {
    const windowStart = new Date(this.now().getTime() - windowSeconds * 1000).toISOString();
    const row = await this.db.selectFrom('portal_rate_limits').selectAll().where('key', '=', key).executeTakeFirst();
    return row !== undefined && row.window_start >= windowStart && row.count >= limit;
  }

  /** Counts one attempt under `key`; false when it is over `limit` within `windowSeconds`. */
  async take(key: string, limit: number, windowSeconds: number): Promise<boolean> {
    const now = this.now();
    const windowStart = new Date(now.getTime() - windowSeconds * 1000).toISOString();
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('portal_rate_limits').selectAll().where('key', '=', key).executeTakeFirst();
      if (row === undefined || row.window_start < windowStart) {
        if (row === undefined) await tx.insertInto('portal_rate_limits').values({ key, window_start: now.toISOString(), count: 1 }).execute();
        else await tx.updateTable('portal_rate_limits').set({ window_start: now.toISOString(), count: 1 }).where('key', '=', key).execute();
        return true;
      }
      await tx
        .updateTable('portal_rate_limits')
        .set({ count: row.count + 1 })
        .where('key', '=', key)
        .execute();
      return row.count + 1 <= limit;
    });
  }
}
