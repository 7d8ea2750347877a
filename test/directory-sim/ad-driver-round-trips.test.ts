import test from 'ava';
import { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { SNAPSHOT_MS } from '../../agent/directory/driver.js';
import { agentDirectoryConfig } from '../helpers/directory-config.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { CaptureLogger } from '../openldap/helpers/capture-logger.js';
import { dnOf, failure, ldapsClient, startSim } from './helpers/with-sim.js';

/**
 * What a reset costs the domain controller in requests, counted by directory-sim as they arrive.
 * Each is a round trip (about 1 ms on a DC, 30 for a password write): issue 9's benchmark found
 * eight per reset where raw LDAP needs two. The lookup, one base read (tokenGroups and
 * msDS-ResultantPSO) and the write are what is left once the driver knows whether the DC sets
 * pwdLastSet on a reset.
 */
test('a reset of a user in the same policy as the last costs three requests: lookup, base read, write', async (t) => {
  const sim = await startSim({ mode: 'windows', defaultSeed: { grantUnexpirePassword: true } });
  t.teardown(() => sim.stop());
  const config = agentDirectoryConfig(sim, { scope: { include: [`OU=Staff,${sim.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } });
  let offsetMs = 0;
  const driver = new ActiveDirectoryDriver(config, { bindPassword: SeededAccount.svcWriteback.password, logger: new CaptureLogger(), now: () => new Date(Date.now() + offsetMs) });
  t.teardown(() => driver.close());
  const options = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };

  // The first reset also reads the root DSE (policy hints) and the domain policy, and reads
  // pwdLastSet back to learn whether the DC set it: all kept afterwards.
  const alice = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
  await driver.passwordPolicy(alice);
  sim.opLog.clear();
  await driver.resetPassword(alice, 'Fresh#Start-2026a', options);
  t.is(sim.opLog.requests().search, 2, 'root DSE and the read-back of pwdLastSet/lockoutTime');

  sim.opLog.clear();
  const bob = await driver.resolveUser({ by: 'sAMAccountName', value: 'bob' });
  t.is(bob.protectedReason, null);
  t.is((await driver.passwordPolicy(bob)).minLength, 7, 'the domain policy, shared with alice');
  const outcome = await driver.resetPassword(bob, 'Fresh#Start-2026b', options);
  t.is(outcome.details.historyEnforced, true);
  const requests = sim.opLog.requests();
  t.log(requests);
  t.is(requests.search, 2, 'lookup, tokenGroups + msDS-ResultantPSO');
  t.is(requests.modify, 1, 'unicodePwd only: this DC sets pwdLastSet on a reset (learned), bob was not locked');

  // Seconds later the resolved entry no longer stands in: the user's PSO is read again (the
  // policy itself stays cached for policyCacheMs).
  offsetMs = 10_000;
  sim.opLog.clear();
  await driver.passwordPolicy(bob);
  t.is(sim.opLog.requests().search, 1, 'msDS-ResultantPSO read again');
});

test('a locked user is unlocked from what resolveUser read; a DC that leaves pwdLastSet at 0 gets it written without a read', async (t) => {
  const sim = await startSim({ mode: 'windows', defaultSeed: { grantUnexpirePassword: false } });
  t.teardown(() => sim.stop());
  const config = agentDirectoryConfig(sim, { scope: { include: [`OU=Staff,${sim.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } });
  const driver = new ActiveDirectoryDriver(config, { bindPassword: SeededAccount.svcWriteback.password, logger: new CaptureLogger(), now: () => new Date() });
  t.teardown(() => driver.close());
  const options = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };
  await driver.resetPassword(await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' }), 'Fresh#Start-2026a', options);
  const lastSet = (name: string): string => {
    const entry = sim.find(`(sAMAccountName=${name})`)[0];
    return entry === undefined ? 'no entry' : String(sim.store.values(entry, 'pwdLastSet')[0]);
  };
  t.not(lastSet('alice'), '0', 'written by the agent after the reset left it at 0');

  for (let i = 0; i < 5; i += 1) await failure(ldapsClient(sim).bind(dnOf(sim, 'bob'), `Wrong-Guess-${i}`));
  const bob = await driver.resolveUser({ by: 'sAMAccountName', value: 'bob' });
  t.true(bob.locked);
  sim.opLog.clear();
  const outcome = await driver.resetPassword(bob, 'Fresh#Start-2026b', options);
  const requests = sim.opLog.requests();
  t.log(requests, outcome.details);
  t.is(requests.search ?? 0, 0, 'nothing read after the write');
  t.is(requests.modify, 3, 'unicodePwd, pwdLastSet -1, lockoutTime 0');
  t.is(outcome.details.unlocked, true);
  t.not(lastSet('bob'), '0');
});

test('a configured protected security group is matched in tokenGroups, nested members too, without a search of its own', async (t) => {
  const sim = await startSim({ mode: 'windows', defaultSeed: { grantUnexpirePassword: true } });
  t.teardown(() => sim.stop());
  const allStaff = `CN=All Staff,CN=Users,${sim.baseDn}`;
  const missing = `CN=No Such Group,CN=Users,${sim.baseDn}`;
  const config = agentDirectoryConfig(sim, { scope: { include: [`OU=Staff,${sim.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [allStaff] } });
  const driver = new ActiveDirectoryDriver(config, { bindPassword: SeededAccount.svcWriteback.password, logger: new CaptureLogger(), now: () => new Date() });
  t.teardown(() => driver.close());

  // alice is in Helpdesk, which is in All Staff; bob is in All Staff; carol in neither.
  t.regex((await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' })).protectedReason ?? '', /configured protected group CN=All Staff/);
  sim.opLog.clear();
  t.regex((await driver.resolveUser({ by: 'sAMAccountName', value: 'bob' })).protectedReason ?? '', /configured protected group/);
  t.is((await driver.resolveUser({ by: 'sAMAccountName', value: 'carol' })).protectedReason, null);
  t.is(sim.opLog.requests().search, 4, 'lookup and base read for each: the group SID is known');

  // A group the agent cannot read as a security group is checked with the in-chain search.
  const fallback = new ActiveDirectoryDriver(
    agentDirectoryConfig(sim, { scope: { include: [`OU=Staff,${sim.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [missing, allStaff] } }),
    { bindPassword: SeededAccount.svcWriteback.password, logger: new CaptureLogger(), now: () => new Date() },
  );
  t.teardown(() => fallback.close());
  t.regex((await fallback.resolveUser({ by: 'sAMAccountName', value: 'alice' })).protectedReason ?? '', /CN=All Staff/);
  sim.opLog.clear();
  t.is((await fallback.resolveUser({ by: 'sAMAccountName', value: 'carol' })).protectedReason, null);
  t.is(sim.opLog.requests().search, 3, 'lookup, base read, and the in-chain search for the unreadable group');
});

test("the user's snapshot stands in for a read only for the driver that made it, at its DN, while fresh", async (t) => {
  const sim = await startSim({ mode: 'windows', defaultSeed: { grantUnexpirePassword: true } });
  t.teardown(() => sim.stop());
  const config = agentDirectoryConfig(sim, { scope: { include: [`OU=Staff,${sim.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } });
  let offsetMs = 0;
  const deps = { bindPassword: SeededAccount.svcWriteback.password, logger: new CaptureLogger(), now: () => new Date(Date.now() + offsetMs) };
  const driver = new ActiveDirectoryDriver(config, deps);
  const other = new ActiveDirectoryDriver(config, deps);
  t.teardown(() => Promise.all([driver.close(), other.close()]));
  const bob = await driver.resolveUser({ by: 'sAMAccountName', value: 'bob' });
  t.not(bob.snapshot, null);
  await Promise.all([driver.passwordPolicy(bob), other.passwordPolicy({ ...bob, snapshot: null })]);
  const psoReads = async (read: () => Promise<unknown>): Promise<number> => {
    sim.opLog.clear();
    await read();
    return sim.opLog.requests().search ?? 0;
  };
  t.is(await psoReads(() => driver.passwordPolicy(bob)), 0, 'the PSO from the snapshot, the policy from the cache');
  t.is(await psoReads(() => other.passwordPolicy(bob)), 1, 'another driver reads for itself');
  t.is(await psoReads(() => driver.passwordPolicy({ ...bob, dn: dnOf(sim, 'carol') })), 1, 'a copy under another DN is read');
  t.is(await psoReads(() => driver.passwordPolicy({ ...bob, snapshot: null })), 1, 'no snapshot: read');
  offsetMs = SNAPSHOT_MS + 1;
  t.is(await psoReads(() => driver.passwordPolicy(bob)), 1, 'stale: read');
});
