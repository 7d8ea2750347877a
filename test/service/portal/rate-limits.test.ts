import test from 'ava';
import { portalDb } from '../../../service/portal/portal-tables.js';
import { RateLimits } from '../../../service/portal/rate-limits.js';
import { DialectStores } from '../../helpers/dialect-stores.js';

// The portal's and the help desk's attempt counters (service/portal/rate-limits.ts) on a real SQLite
// file and on a PostgreSQL cluster this test starts: attempts made at once each count, as several
// nodes (or one node's pool) make them.

const ATTEMPTS = 24;
const LIMIT = 10;

const stores = new DialectStores('limits');

test.after.always(() => stores.destroy());

for (const dialect of ['sqlite', 'postgres'] as const) {
  test.serial(`${dialect}: attempts made at once each count, exactly the limit pass, and the window starts again once it ended`, async (t) => {
    const store = await stores.open(t, dialect);
    let clock = new Date('2026-12-05T03:00:00.000Z');
    const limits = new RateLimits(portalDb(store.db), () => clock);
    const taken = await Promise.all(Array.from({ length: ATTEMPTS }, () => limits.take('addr:192.0.2.7', LIMIT, 60)));
    t.is(taken.filter(Boolean).length, LIMIT, 'no attempt lost, none refused before the limit');
    const row = await portalDb(store.db).selectFrom('portal_rate_limits').selectAll().where('key', '=', 'addr:192.0.2.7').executeTakeFirstOrThrow();
    t.is(Number(row.count), ATTEMPTS);
    t.true(await limits.reached('addr:192.0.2.7', LIMIT, 60));
    t.true(await limits.take('addr:192.0.2.8', LIMIT, 60), 'another key counts apart');
    clock = new Date(clock.getTime() + 61_000);
    t.false(await limits.reached('addr:192.0.2.7', LIMIT, 60), 'the window ended');
    t.true(await limits.take('addr:192.0.2.7', LIMIT, 60));
    const again = await portalDb(store.db).selectFrom('portal_rate_limits').selectAll().where('key', '=', 'addr:192.0.2.7').executeTakeFirstOrThrow();
    t.like({ ...again, count: Number(again.count) }, { window_start: clock.toISOString(), count: 1 });
  });
}
