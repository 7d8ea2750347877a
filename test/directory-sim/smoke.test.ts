import test from 'ava';
import { boundClient, startSim, dnOf } from './helpers/with-sim.js';

test('smoke: bind and search over LDAPS', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const client = await boundClient(sim, 'svcWriteback');
  const { searchEntries } = await client.search(sim.baseDn, { filter: '(sAMAccountName=alice)', attributes: ['distinguishedName', 'objectGUID', 'memberOf'] });
  t.is(searchEntries.length, 1);
  t.is(searchEntries[0]!.dn, dnOf(sim, 'alice'));
  console.log(searchEntries[0]);
  await client.unbind();
});
