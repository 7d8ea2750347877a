import test, { type ExecutionContext } from 'ava';
import { defaultTargetKind } from '../../service/commands/default-target-kind.js';
import { listAgents } from '../../service/store/agents.js';
import { sqliteTenantWithAgent } from '../helpers/sqlite-tenant.js';

// defaultTargetKind on agent rows read back from a real SQLite database.

async function tenantWithOneAgent(t: ExecutionContext, directories: string | null) {
  const { store, tenantId } = await sqliteTenantWithAgent(t, { id: 'agent-1', name: 'dc-1' });
  await store.db.updateTable('agents').set({ directories: directories }).where('id', '=', 'agent-1').execute();
  return listAgents(store.db, tenantId);
}

test('an agent that reported an OpenLDAP default directory makes uid the default', async (t) => {
  const agents = await tenantWithOneAgent(t, JSON.stringify({ directories: [{ id: 'main', kind: 'openldap' }], defaultDirectory: 'main' }));
  t.is(defaultTargetKind(agents, undefined), 'uid');
});

test('an agent that never reported its directories is refused with a message saying so', async (t) => {
  const agents = await tenantWithOneAgent(t, null);
  t.throws(() => defaultTargetKind(agents, undefined), { message: /agent agent-1 \(dc-1\) has not reported its directories' kinds/ });
});

test('a stored directories report that does not read is refused with its own one-line message, not as "never reported"', async (t) => {
  for (const stored of ['{not json', JSON.stringify({ directories: 'main' })]) {
    const agents = await tenantWithOneAgent(t, stored);
    const error = t.throws(() => defaultTargetKind(agents, undefined), { message: /agent agent-1 \(dc-1\)/ });
    t.notRegex(error.message, /has not reported/);
    t.regex(error.message, /does not read.*next session.*agents remove/);
    t.false(error.message.includes('\n'));
  }
});
