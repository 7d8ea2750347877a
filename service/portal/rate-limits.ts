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

  /**
   * Counts one attempt under `key`; false when it is over `limit` within `windowSeconds`. One
   * statement, so that attempts made at once, on any node, each count: a read then a write lost
   * some of them on PostgreSQL, and two first attempts under one key collided on its insert.
   */
  async take(key: string, limit: number, windowSeconds: number): Promise<boolean> {
    const now = this.now();
    const at = now.toISOString();
    const windowStart = new Date(now.getTime() - windowSeconds * 1000).toISOString();
    const row = await this.db
      .insertInto('portal_rate_limits')
      .values({ key, window_start: at, count: 1 })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet((eb) => {
          // Both read the row as it was: an ended window starts again at this attempt.
          const ended = eb('portal_rate_limits.window_start', '<', windowStart);
          return {
            window_start: eb.case().when(ended).then(at).else(eb.ref('portal_rate_limits.window_start')).end(),
            count: eb
              .case()
              .when(ended)
              .then(1)
              .else(eb('portal_rate_limits.count', '+', 1))
              .end(),
          };
        }),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count) <= limit;
  }
}
