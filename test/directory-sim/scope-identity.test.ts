import test from 'ava';
import { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { scopeRefusal } from '../../agent/policy/scope.js';
import { agentDirectoryConfig } from '../helpers/directory-config.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { CaptureLogger } from '../openldap/helpers/capture-logger.js';
import { boundClient, dnOf, startSim } from './helpers/with-sim.js';

// Issue 24, item 3: `OU=Staff\ ` (escaped trailing space) is another OU than OU=Staff; the agent's
// DN normal form trims it, so only the directory's identities tell them apart.
test('a user under OU=Staff\\  (escaped trailing space) is not in scope.include OU=Staff', async (t) => {
  const sim = await startSim({ mode: 'windows' });
  t.teardown(() => sim.stop());
  const lookAlike = `OU=Staff\\ ,${sim.baseDn}`;
  const admin = await boundClient(sim, 'administrator');
  await admin.add(lookAlike, { objectClass: ['top', 'organizationalUnit'] });
  await admin.add(`CN=lookalike,${lookAlike}`, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: 'lookalike' });
  await admin.unbind();
  const rules = { include: [`OU=Staff,${sim.baseDn}`], exclude: [] };
  const driver = new ActiveDirectoryDriver(agentDirectoryConfig(sim, { scope: { ...rules, refuseProtectedAccounts: true, protectedGroups: [] } }), {
    bindPassword: SeededAccount.svcWriteback.password,
    logger: new CaptureLogger(),
    now: () => new Date(),
  });
  t.teardown(() => driver.close());
  const canonicalOf = (dn: string) => driver.canonicalDn(dn);
  const mallory = await driver.resolveUser({ by: 'sAMAccountName', value: 'lookalike' });
  t.regex(mallory.dn, /OU=Staff\\ ,/);
  t.truthy(await scopeRefusal(mallory.dn, rules, canonicalOf));
  const alice = await driver.resolveUser({ by: 'dn', value: dnOf(sim, 'alice') });
  t.is(await scopeRefusal(alice.dn, rules, canonicalOf), null);
});
