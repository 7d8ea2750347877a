import test from 'ava';
import { createTenant } from '../../service/store/tenants.js';
import { spendRegistrationToken } from '../../service/store/registration-tokens.js';
import { DialectStores } from '../helpers/dialect-stores.js';

// Failed registrations are counted per source address (service/store/registration-tokens.ts), on a
// real SQLite file and on a PostgreSQL cluster this test starts: guesses sent at once each count.

const GUESSES = 24;
const LIMIT = { maxFailures: 10, windowMs: 60_000 };

const stores = new DialectStores('failures');

test.after.always(() => stores.destroy());

for (const dialect of ['sqlite', 'postgres'] as const) {
  test.serial(`${dialect}: wrong tokens sent at once each count as a failure, and the window starts again once it ended`, async (t) => {
    const store = await stores.open(t, dialect);
    const now = new Date('2026-12-05T03:00:00.000Z');
    await createTenant(store.db, 'acme', now);
    const uses = await Promise.all(Array.from({ length: GUESSES }, (_, i) => spendRegistrationToken(store.db, `wbr_guess${i}`, '192.0.2.7', now, LIMIT)));
    const row = await store.db.selectFrom('registration_failures').selectAll().where('source', '=', '192.0.2.7').executeTakeFirstOrThrow();
    // A guess that reads the count once the limit is reached is refused uncounted (on PostgreSQL's pool
    // some may); every guess that looked at a token is counted.
    const looked = uses.filter((use) => !use.ok && use.reason === 'unknown, used or expired').length;
    t.is(Number(row.failures), looked, 'no failure lost');
    t.true(looked >= LIMIT.maxFailures, `only ${looked} guesses counted`);
    t.is(uses.filter((use) => !use.ok && use.reason === 'too many failed attempts').length, GUESSES - looked);
    t.deepEqual(await spendRegistrationToken(store.db, 'wbr_another', '192.0.2.7', now, LIMIT), { ok: false, reason: 'too many failed attempts' });
    const later = new Date(now.getTime() + LIMIT.windowMs + 1);
    t.deepEqual(await spendRegistrationToken(store.db, 'wbr_another', '192.0.2.7', later, LIMIT), { ok: false, reason: 'unknown, used or expired' });
    const again = await store.db.selectFrom('registration_failures').selectAll().where('source', '=', '192.0.2.7').executeTakeFirstOrThrow();
    t.like({ ...again, failures: Number(again.failures) }, { window_start: later.toISOString(), failures: 1 });
  });
}
