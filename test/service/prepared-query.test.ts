import { randomUUID } from 'node:crypto';
import test from 'ava';
import { listArgs, PreparedByLength, PreparedQuery } from '../../service/db/prepared-query.js';
import { insertAgent, listAgents } from '../../service/store/agents.js';
import { claimCommands } from '../../service/store/commands.js';
import { insertCommand } from '../../service/store/command-inserts.js';
import { CommandState } from '../../service/store/command-states.js';
import { createTenant, findTenant } from '../../service/store/tenants.js';
import { DialectStores } from '../helpers/dialect-stores.js';

// Queries compiled once and run with new values (service/db/prepared-query.ts), on a real SQLite
// file and on a PostgreSQL cluster this test starts: the same rows as the query Kysely builds each
// time, and no value of one run ever reaching another.

const NOW = new Date('2026-12-05T02:00:00.000Z');

const stores = new DialectStores('prepared');

test.after.always(() => stores.destroy());

const TENANT_BY_NAME = new PreparedQuery<{ name: string }, { id: string; name: string }>((db, param) => db.selectFrom('tenants').select(['id', 'name']).where('name', '=', param('name')));

for (const dialect of ['sqlite', 'postgres'] as const) {
  test.serial(`${dialect}: gives the rows Kysely's own query gives, for every value, also run in a transaction`, async (t) => {
    const store = await stores.open(t, dialect);
    const names = ['acme', 'globex', 'initech'];
    for (const name of names) await createTenant(store.db, name, NOW);
    for (const name of [...names, 'nobody', "o'brien", '%']) {
      const built = await store.db.selectFrom('tenants').select(['id', 'name']).where('name', '=', name).execute();
      t.deepEqual((await TENANT_BY_NAME.execute(store.db, { name })).rows, built, name);
    }
    const inTx = await store.db.transaction().execute((tx) => TENANT_BY_NAME.execute(store.db, { name: 'globex' }, tx));
    t.deepEqual(
      inTx.rows.map((row) => row.name),
      ['globex'],
    );
    // The stores' own prepared reads agree with a query built each time.
    const acme = await findTenant(store.db, 'acme');
    t.deepEqual(await findTenant(store.db, acme.id), acme);
  });

  test.serial(`${dialect}: runs at once with different values never mix them`, async (t) => {
    const store = await stores.open(t, dialect);
    const tenants = await Promise.all(Array.from({ length: 20 }, (_, i) => createTenant(store.db, `tenant-${i}`, NOW)));
    const found = await Promise.all(tenants.map((tenant) => TENANT_BY_NAME.execute(store.db, { name: tenant.name })));
    t.deepEqual(
      found.map((result) => result.rows),
      tenants.map((tenant) => [tenant]),
    );
    const agents = await Promise.all(
      tenants.map(async (tenant) => {
        await insertAgent(store.db, { id: randomUUID(), tenantId: tenant.id, name: tenant.name, hostname: 'h', version: '1', signingKey: 'k', encryptionKey: 'e' }, [], NOW);
        return tenant.id;
      }),
    );
    const lists = await Promise.all(agents.map((tenantId) => listAgents(store.db, tenantId)));
    t.deepEqual(
      lists.map((rows) => rows.map((row) => row.tenant_id)),
      agents.map((tenantId) => [tenantId]),
    );
  });

  test.serial(`${dialect}: a list query gives each length its own compiled form, and a list past the longest is built for that run`, async (t) => {
    const store = await stores.open(t, dialect);
    const names = Array.from({ length: 8 }, (_, i) => `tenant-${i}`);
    for (const name of names) await createTenant(store.db, name, NOW);
    const byNames = new PreparedByLength<{ name: string }>(
      (db, param, length) =>
        db
          .selectFrom('tenants')
          .select('name')
          .where(
            'name',
            'in',
            Array.from({ length }, (_, i) => param<string>(`name${i}`)),
          )
          .orderBy('name'),
      4,
    );
    const lists = [names.slice(0, 1), names.slice(2, 4), names.slice(5, 8), ['nobody', names[7]!], names.slice(1, 4), names];
    const found = await Promise.all(lists.map((list) => byNames.execute(store.db, list.length, listArgs('name', list))));
    t.deepEqual(
      found.map((result) => result.rows.map((row) => row.name)),
      lists.map((list) => list.filter((name) => name !== 'nobody').sort()),
    );
  });

  test.serial(`${dialect}: the claim takes the oldest queued commands of the agent's tenant, as many as asked, for the current session only`, async (t) => {
    const store = await stores.open(t, dialect);
    const mine = await createTenant(store.db, 'mine', NOW);
    const theirs = await createTenant(store.db, 'theirs', NOW);
    await insertAgent(store.db, { id: 'agent-a', tenantId: mine.id, name: 'a', hostname: 'h', version: '1', signingKey: 'k', encryptionKey: 'e' }, [], NOW);
    await store.db.updateTable('agents').set({ session_id: 's1' }).where('id', '=', 'agent-a').execute();
    const queue = async (tenantId: string, minute: number): Promise<string> => {
      const id = randomUUID();
      const at = new Date(NOW.getTime() + minute * 60_000).toISOString();
      const command = { id, tenant_id: tenantId, op: 'getAccountState', directory: null, target: '{"by":"uid","value":"alice"}', params: '{}', has_secret: 0, state: CommandState.queued };
      await insertCommand(
        store,
        { ...command, agent_id: null, session_id: null, issued_at: at, expires_at: '2026-12-05T03:00:00.000Z', created_at: at, updated_at: at, sends: 0, submitted_by: 'test' },
        new Map(),
      );
      return id;
    };
    const ids = [await queue(mine.id, 2), await queue(mine.id, 1), await queue(theirs.id, 0), await queue(mine.id, 3)];
    const claim = (sessionId: string, limit: number) => claimCommands(store.db, store.dialect, { tenantId: mine.id, agentId: 'agent-a', sessionId, limit, now: NOW });
    t.deepEqual(await claim('old-session', 5), [], 'a session that is no longer the agent’s claims nothing');
    const first = await claim('s1', 2);
    t.deepEqual(
      first.map((c) => c.command.id),
      [ids[1], ids[0]],
    );
    t.true(first.every((c) => c.command.state === CommandState.sent && c.command.session_id === 's1' && c.command.sends === 1 && c.sealed === null));
    t.deepEqual(
      (await claim('s1', 5)).map((c) => c.command.id),
      [ids[3]],
    );
    t.deepEqual(await claim('s1', 5), []);
  });
}

test('refuses a parameter that Kysely did not bind as a value, before running anything', async (t) => {
  const store = await stores.open(t, 'sqlite');
  const unbound = new PreparedQuery<{ column: string }, unknown>((db, param) =>
    db
      .selectFrom('tenants')
      .select('id')
      .where('name', '=', 'x')
      .$if(param('column') === undefined, (q) => q),
  );
  t.throws(() => unbound.compiled(store.db), { message: /parameter column is not bound/ });
  t.throws(() => void TENANT_BY_NAME.execute(store.db, {} as { name: string }), { message: /no value for parameter name/ });
});
