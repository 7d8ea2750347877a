import test from 'ava';
import { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { agentDirectoryConfig } from '../../directory-sim/agent-directory-config.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { CaptureLogger } from '../openldap/helpers/capture-logger.js';
import { startSim } from './helpers/with-sim.js';

/**
 * What a reset costs the domain controller in requests, counted by directory-sim as they arrive.
 * Each is a round trip (about 1 ms on a DC, 30 for a password write): issue 9's benchmark found
 * eight per reset where raw LDAP needs two. The lookup, one base read (tokenGroups and
 * msDS-ResultantPSO), the write and one read to decide the follow-ups are what is left.
 */
test('a reset of a user in the same policy as the last costs four requests: lookup, base read, write, read-back', async (t) => {
  const sim = await startSim({ mode: 'windows', defaultSeed: { grantUnexpirePassword: true } });
  t.teardown(() => sim.stop());
  const config = agentDirectoryConfig(sim, { scope: { include: [`OU=Staff,${sim.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } });
  let offsetMs = 0;
  const driver = new ActiveDirectoryDriver(config, { bindPassword: SeededAccount.svcWriteback.password, logger: new CaptureLogger(), now: () => new Date(Date.now() + offsetMs) });
  t.teardown(() => driver.close());
  const options = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };

  // The first reset also reads the root DSE (policy hints) and the domain policy: kept afterwards.
  const alice = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
  await driver.passwordPolicy(alice);
  await driver.resetPassword(alice, 'Fresh#Start-2026a', options);

  sim.opLog.clear();
  const bob = await driver.resolveUser({ by: 'sAMAccountName', value: 'bob' });
  t.is(bob.protectedReason, null);
  t.is((await driver.passwordPolicy(bob)).minLength, 7, 'the domain policy, shared with alice');
  const outcome = await driver.resetPassword(bob, 'Fresh#Start-2026b', options);
  t.is(outcome.details.historyEnforced, true);
  const requests = sim.opLog.requests();
  t.log(requests);
  t.is(requests.search, 3, 'lookup, tokenGroups + msDS-ResultantPSO, pwdLastSet/lockoutTime after the write');
  t.is(requests.modify, 1, 'unicodePwd only: pwdLastSet was already set by the reset, bob was not locked');

  // Seconds later the resolved entry no longer stands in: the user's PSO is read again (the
  // policy itself stays cached for policyCacheMs).
  offsetMs = 10_000;
  sim.opLog.clear();
  await driver.passwordPolicy(bob);
  t.is(sim.opLog.requests().search, 1, 'msDS-ResultantPSO read again');
});
