import test from 'ava';
import { planCandidates } from '../../directory-sim/filter/plan-candidates.js';
import { bulkUserPassword } from '../../directory-sim/seed/seed-bulk-users.js';
import { parseLdif } from '../../directory-sim/seed/seed-from-ldif.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { boundClient, ldapsClient, startSim } from './helpers/with-sim.js';

const ldif = `version: 1
# two OUs and a user whose password comes as ldifde writes it
dn: OU=Imported,DC=sim,DC=test
objectClass: top
objectClass: organizationalUnit
nTSecurityDescriptor: D:(A;CI;GA;;;S-1-5-21-1004336348-1177238915-682003330-1105)

dn: CN=Ina Import,OU=Imported,DC=sim,DC=test
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
sAMAccountName: ina
userPrincipalName: ina@sim.test
description:: w6nDqMOg
 
unicodePwd:: ${Buffer.from('"Imp0rted#Pw"', 'utf16le').toString('base64')}
`;

test('LDIF seed: entries, folded base64 values, unicodePwd as the password, SDDL as the DACL', async (t) => {
  t.is(parseLdif(ldif).length, 2);
  const sim = await startSim({ seed: { ldif } });
  t.teardown(() => sim.stop());
  const ina = ldapsClient(sim);
  await ina.bind('ina@sim.test', 'Imp0rted#Pw');
  const { searchEntries } = await ina.search('OU=Imported,DC=sim,DC=test', { filter: '(sAMAccountName=ina)', attributes: ['description', 'objectSid', 'pwdLastSet'] });
  t.is(searchEntries[0]?.description, 'éèà');
  t.not(searchEntries[0]?.pwdLastSet, '0');
  await ina.unbind();
});

test('JSON seed: objects with passwords; the empty domain still has its root, Users and policy', async (t) => {
  const sim = await startSim({
    seed: {
      json: {
        entries: [
          { dn: 'OU=People,DC=sim,DC=test', attributes: { objectClass: ['top', 'organizationalUnit'] } },
          {
            dn: 'CN=Jay Json,OU=People,DC=sim,DC=test',
            password: 'Js0n#Seeded',
            attributes: { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: 'jay', mail: 'jay@sim.test', uid: 'jay' },
          },
        ],
      },
    },
  });
  t.teardown(() => sim.stop());
  const jay = ldapsClient(sim);
  await jay.bind('SIM\\jay', 'Js0n#Seeded');
  const root = await jay.search(sim.baseDn, { scope: 'base', attributes: ['minPwdLength', 'pwdProperties', 'lockoutThreshold'] });
  t.like(root.searchEntries[0], { minPwdLength: '7', pwdProperties: '1', lockoutThreshold: '5' });
  t.deepEqual(
    (await jay.search(sim.baseDn, { filter: '(uid=jay)', attributes: ['mail'] })).searchEntries.map((e) => e.mail),
    ['jay@sim.test'],
  );
  await jay.unbind();
});

test.serial('100,000 generated users: load time, indexed equality lookups (printed, not asserted)', async (t) => {
  await startSim({ seed: 'empty' }).then((warm) => warm.stop());
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const sim = await startSim({ bulkUsers: 100_000 });
  const loadMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  t.teardown(() => sim.stop());
  t.true(sim.store.size > 100_000);
  // Wall time suffers when other test files share the cores; CPU time is the seeding's own cost.
  console.log(`directory-sim: 100,000 users seeded in ${Math.round(loadMs)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU`);

  // Equality on indexed attributes never scans: the plan is the matching entry alone.
  const equality = (attribute: string, value: string) => ({ kind: 'equal' as const, attribute, value: Buffer.from(value) });
  for (const [attribute, value] of [
    ['sAMAccountName', 'bulk054321'],
    ['userPrincipalName', 'bulk054321@sim.test'],
    ['mail', 'BULK054321@sim.test'],
    ['distinguishedName', 'CN=bulk054321,OU=Bulk,DC=sim,DC=test'],
  ] as const) {
    t.is(planCandidates({ kind: 'and', filters: [equality('objectClass', 'user'), equality(attribute, value)] }, sim.store)?.size, 1, attribute);
  }

  const client = await boundClient(sim, 'svcWriteback');
  const lookups = 500;
  const lookupStart = performance.now();
  const notSingle: string[] = [];
  for (let i = 1; i <= lookups; i++) {
    const sam = `bulk${String(i * 199).padStart(6, '0')}`;
    const { searchEntries } = await client.search(sim.baseDn, { filter: `(&(objectClass=user)(sAMAccountName=${sam}))`, attributes: ['objectGUID'] });
    if (searchEntries.length !== 1) notSingle.push(sam);
  }
  t.deepEqual(notSingle, [], 'each lookup finds exactly one entry');
  const perLookup = (performance.now() - lookupStart) / lookups;
  console.log(`directory-sim: ${lookups} LDAP lookups by sAMAccountName among 100,000 users, ${perLookup.toFixed(2)} ms each`);
  const bulkUser = ldapsClient(sim);
  await t.notThrowsAsync(bulkUser.bind('bulk099999@sim.test', bulkUserPassword), 'the last bulk user binds with its password');
  await bulkUser.unbind();
  await client.unbind();
});

test('seeded domain fixture matches the documented accounts', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  for (const account of Object.values(SeededAccount)) {
    t.truthy(sim.store.get(`${account.rdn},${sim.baseDn}`), account.sam);
  }
});
