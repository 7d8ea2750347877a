import test from 'ava';
import { generateKeyPair, type Result } from '../../protocol/index.js';
import { submitCommand } from '../../service/commands/submit-command.js';
import type { ServiceDb } from '../../service/db/open-database.js';
import { insertAgent } from '../../service/store/agents.js';
import { CommandState } from '../../service/store/command-states.js';
import { expireCommands } from '../../service/store/commands.js';
import { storeResult } from '../../service/store/results.js';
import { createTenant } from '../../service/store/tenants.js';
import { DialectStores } from '../helpers/dialect-stores.js';

// A password is sealed at submission to each agent of the tenant, and the sealed copies are dropped
// on both ways a command ends: once its result is stored, and once it expired. Checked on the
// embedded SQLite database and on PostgreSQL, with the store functions the nodes run.

const NOW = new Date('2026-12-05T02:00:00.000Z');
const SKEW_MS = 60_000;
const TTL_MS = 5 * 60_000;
const PASSWORDS = ['Sealed-Result-2026!', 'Sealed-Expiry-2026!'] as const;

const stores = new DialectStores('sealed');

test.after.always(() => stores.destroy());

const sealedCopies = async (store: ServiceDb, commandId: string) => store.db.selectFrom('command_secrets').select(['agent_id', 'sealed']).where('command_id', '=', commandId).execute();
const stateOf = async (store: ServiceDb, commandId: string) => (await store.db.selectFrom('commands').select('state').where('id', '=', commandId).executeTakeFirstOrThrow()).state;

for (const database of ['sqlite', 'postgres'] as const) {
  test.serial(`${database}: a reset's sealed copies go once its result is stored, and once it expired`, async (t) => {
    const store = await stores.open(t, database);
    const tenant = await createTenant(store.db, 'acme', NOW);
    const agents = ['agent-a', 'agent-b'];
    for (const id of agents) {
      const signing = generateKeyPair('Ed25519');
      const encryption = generateKeyPair('X25519');
      await insertAgent(store.db, { id, tenantId: tenant.id, name: id, hostname: 'h', version: '1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw }, [], NOW);
    }
    const submit = (password: string) =>
      submitCommand(store, {
        tenantId: tenant.id,
        request: { op: 'resetPassword', target: { by: 'uid', value: 'alice' }, params: {}, secret: { newPassword: password } },
        submittedBy: 'test',
        defaultTtlMs: TTL_MS,
        now: NOW,
      });
    const [answered, abandoned] = [await submit(PASSWORDS[0]), await submit(PASSWORDS[1])];
    for (const { id } of [answered, abandoned]) {
      const copies = await sealedCopies(store, id);
      t.deepEqual(copies.map((c) => c.agent_id).sort(), agents, 'sealed once for each agent of the tenant');
      t.false(
        copies.some((c) => PASSWORDS.some((p) => c.sealed.includes(p))),
        'a sealed copy does not hold the password',
      );
    }

    // The first is sent to agent-a, which answers: storing its (verified) result drops both copies.
    await store.db.updateTable('commands').set({ state: CommandState.sent, agent_id: 'agent-a', session_id: 's1' }).where('id', '=', answered.id).execute();
    const result: Result = { commandId: answered.id, agentId: 'agent-a', status: 'succeeded', code: 'OK', message: 'password reset', details: {}, completedAt: NOW.toISOString() };
    t.is(await storeResult(store.db, result, 'signature', NOW), 'stored');
    t.is(await stateOf(store, answered.id), CommandState.done);
    t.deepEqual(await sealedCopies(store, answered.id), [], 'dropped with the stored result');
    t.is((await sealedCopies(store, abandoned.id)).length, 2, 'the other command keeps its copies while it may still be sent');

    // The second is never answered: before its expiry nothing changes; after it, it expires and its copies go.
    t.is(await expireCommands(store.db, new Date(NOW.getTime() + TTL_MS - 1), SKEW_MS), 0);
    t.is((await sealedCopies(store, abandoned.id)).length, 2);
    t.is(await expireCommands(store.db, new Date(NOW.getTime() + TTL_MS), SKEW_MS), 1);
    t.is(await stateOf(store, abandoned.id), CommandState.expired);
    t.deepEqual(await sealedCopies(store, abandoned.id), [], 'dropped once the command expired');

    const everything = JSON.stringify(await Promise.all((['commands', 'command_secrets', 'results'] as const).map((table) => store.db.selectFrom(table).selectAll().execute())));
    t.deepEqual(
      PASSWORDS.filter((p) => everything.includes(p)),
      [],
      'no table holds a password in plain form',
    );
  });
}
