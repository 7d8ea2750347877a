import test from 'ava';
import { Attribute, Change } from 'ldapts';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { boundClient, dnOf, failure, ldapsClient, quotedUtf16, startSim } from './helpers/with-sim.js';

test('a PSO on a group applies to its nested members: msDS-ResultantPSO, length and lockout follow it', async (t) => {
  const sim = await startSim({
    defaultSeed: {
      passwordSettings: [
        { name: 'Helpdesk Strict', precedence: 10, appliesTo: ['CN=All Staff,CN=Users,DC=sim,DC=test'], policy: { minPwdLength: 14, lockoutThreshold: 2 } },
        { name: 'Alice Only', precedence: 20, appliesTo: ['CN=Alice Anders,OU=Staff,DC=sim,DC=test'], policy: { minPwdLength: 9 } },
      ],
    },
  });
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  const resultant = async (name: 'alice' | 'bob' | 'mallory'): Promise<unknown> =>
    (await svc.search(dnOf(sim, name), { scope: 'base', attributes: ['msDS-ResultantPSO'] })).searchEntries[0]?.['msDS-ResultantPSO'];
  const container = 'CN=Password Settings Container,CN=System,DC=sim,DC=test';
  // A PSO linked to the user wins over any linked to its groups, whatever the precedence.
  t.is(await resultant('alice'), `CN=Alice Only,${container}`);
  t.is(await resultant('bob'), `CN=Helpdesk Strict,${container}`);
  t.deepEqual(await resultant('mallory'), []);

  const reset = (password: string): Change => new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [quotedUtf16(password)] }) });
  t.is((await failure(svc.modify(dnOf(sim, 'bob'), reset('Twelve#Chars')))).code, 19);
  await svc.modify(dnOf(sim, 'bob'), reset('Fourteen#Chars'));
  await svc.modify(dnOf(sim, 'alice'), reset('Nine#Char'));
  const pso = (await svc.search(`CN=Helpdesk Strict,${container}`, { scope: 'base', attributes: ['msDS-MinimumPasswordLength', 'msDS-PasswordComplexityEnabled'] })).searchEntries[0];
  t.like(pso, { 'msDS-MinimumPasswordLength': '14', 'msDS-PasswordComplexityEnabled': 'TRUE' });
  await svc.unbind();

  const client = ldapsClient(sim);
  for (let i = 0; i < 2; i++) await failure(client.bind(dnOf(sim, 'bob'), 'Wrong#Guess11'));
  t.regex((await failure(client.bind(dnOf(sim, 'bob'), 'Fourteen#Chars'))).message, /data 775/);
  // Mallory keeps the domain's threshold of 5.
  for (let i = 0; i < 2; i++) await failure(client.bind(dnOf(sim, 'mallory'), 'Wrong#Guess11'));
  await t.notThrowsAsync(client.bind(dnOf(sim, 'mallory'), SeededAccount.mallory.password));
  await client.unbind();
});
