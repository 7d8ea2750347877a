import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { Result } from '../../protocol/index.js';
import { openMigrated, type ServiceDb } from '../../service/db/open-database.js';
import { insertAgent } from '../../service/store/agents.js';
import { insertCommand } from '../../service/store/command-inserts.js';
import { CommandState } from '../../service/store/command-states.js';
import { OutcomeBatch } from '../../service/store/outcome-batch.js';
import { createTenant } from '../../service/store/tenants.js';

// The batched writes against a real SQLite database: what arrives in one turn is one transaction,
// with the rules of one write at a time.

const NOW = new Date('2026-12-04T12:00:00.000Z');

async function freshStore(t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ store: ServiceDb; tenantId: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-batch-'));
  const store = await openMigrated({ url: null, sqliteFile: join(dir, 'service.db') });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const tenant = await createTenant(store.db, 'acme', NOW);
  for (const id of ['agent-a', 'agent-b']) {
    await insertAgent(store.db, { id, tenantId: tenant.id, name: id, hostname: 'h', version: '1', signingKey: 'k', encryptionKey: 'e' }, [], NOW);
  }
  return { store, tenantId: tenant.id };
}

/** A command already sent to agent-a, with a sealed copy for each agent. */
async function sentCommand(store: ServiceDb, tenantId: string): Promise<string> {
  const id = randomUUID();
  const at = NOW.toISOString();
  const command = {
    id,
    tenant_id: tenantId,
    op: 'resetPassword',
    directory: null,
    target: '{"by":"uid","value":"alice"}',
    params: '{}',
    has_secret: 1,
    state: CommandState.queued,
    agent_id: null,
    session_id: null,
    issued_at: at,
    expires_at: '2026-12-04T12:05:00.000Z',
    created_at: at,
    updated_at: at,
    sends: 0,
    submitted_by: 'test',
  };
  await insertCommand(
    store,
    command,
    new Map([
      ['agent-a', '{"sealed":"a"}'],
      ['agent-b', '{"sealed":"b"}'],
    ]),
  );
  await store.db.updateTable('commands').set({ state: CommandState.sent, agent_id: 'agent-a', session_id: 's1' }).where('id', '=', id).execute();
  return id;
}

const result = (commandId: string, agentId: string, message = 'done'): Result => ({ commandId, agentId, status: 'succeeded', code: 'OK', message, details: {}, completedAt: NOW.toISOString() });

test('one turn: the ack, the agent’s result stored once, its repeat a duplicate, another agent’s result naming the command not stored', async (t) => {
  const { store, tenantId } = await freshStore(t);
  const id = await sentCommand(store, tenantId);
  const batch = new OutcomeBatch(store.db, () => NOW);
  const [, forged, real, again] = await Promise.all([
    batch.acknowledge(id, 'agent-a'),
    batch.store(result(id, 'agent-b', 'forged'), 'sig-b'),
    batch.store(result(id, 'agent-a'), 'sig-a'),
    batch.store(result(id, 'agent-a', 'again'), 'sig-a2'),
  ]);
  t.is(forged, 'unknown');
  t.is(real, 'stored');
  t.is(again, 'duplicate');
  const rows = await store.db.selectFrom('results').selectAll().where('command_id', '=', id).execute();
  t.is(rows.length, 1);
  t.is(rows[0]?.agent_id, 'agent-a');
  t.is(rows[0]?.signature, 'sig-a');
  t.is((JSON.parse(rows[0]!.result) as Result).message, 'done');
  t.is((await store.db.selectFrom('commands').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state, CommandState.done);
  t.deepEqual(await store.db.selectFrom('command_secrets').selectAll().where('command_id', '=', id).execute(), [], 'the sealed copies are dropped with the result');
});

test('an ack alone moves a sent command to acknowledged; a result in a later turn is stored and a late ack changes nothing', async (t) => {
  const { store, tenantId } = await freshStore(t);
  const [first, second] = [await sentCommand(store, tenantId), await sentCommand(store, tenantId)];
  const batch = new OutcomeBatch(store.db, () => NOW);
  await Promise.all([batch.acknowledge(first, 'agent-a'), batch.acknowledge(second, 'agent-b')]);
  const state = async (id: string) => (await store.db.selectFrom('commands').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
  t.is(await state(first), CommandState.acknowledged);
  t.is(await state(second), CommandState.sent, 'an ack from an agent the command was not given to is ignored');
  t.is(await batch.store(result(first, 'agent-a'), 'sig'), 'stored');
  await batch.acknowledge(first, 'agent-a');
  t.is(await state(first), CommandState.done);
});
