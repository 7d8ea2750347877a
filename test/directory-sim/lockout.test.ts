import test from 'ava';
import { Attribute, Change } from 'ldapts';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { boundClient, dnOf, failure, ldapsClient, startSim } from './helpers/with-sim.js';

test('lockoutThreshold bad binds lock the account: 775 even with the right password, until lockoutTime is written 0', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const bob = dnOf(sim, 'bob');
  const client = ldapsClient(sim);
  for (let i = 0; i < 5; i++) t.regex((await failure(client.bind(bob, `Wrong#Guess${i}`))).message, /data 52e/);
  t.regex((await failure(client.bind(bob, SeededAccount.bob.password))).message, /data 775/);
  await client.unbind();

  const svc = await boundClient(sim, 'svcWriteback');
  const read = async (): Promise<Record<string, unknown>> =>
    (await svc.search(bob, { scope: 'base', attributes: ['lockoutTime', 'badPwdCount', 'msDS-User-Account-Control-Computed'] })).searchEntries[0]!;
  const locked = await read();
  t.not(locked.lockoutTime, '0');
  t.is(locked.badPwdCount, '5');
  t.is(Number(locked['msDS-User-Account-Control-Computed']) & 0x10, 0x10);
  await svc.modify(bob, new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }));
  const unlocked = await read();
  t.is(unlocked.lockoutTime, '0');
  t.is(unlocked.badPwdCount, '0');
  t.is(Number(unlocked['msDS-User-Account-Control-Computed']) & 0x10, 0);
  await svc.unbind();
  const again = ldapsClient(sim);
  await t.notThrowsAsync(again.bind(bob, SeededAccount.bob.password));
  await again.unbind();
});

test('a lockout ends after lockoutDuration; a reset alone does not unlock', async (t) => {
  let now = Date.now();
  const sim = await startSim({ clock: () => now });
  t.teardown(() => sim.stop());
  const dave = dnOf(sim, 'dave');
  const svc = await boundClient(sim, 'svcWriteback');
  await svc.modify(dave, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from('"Brand#New123"', 'utf16le')] }) }));
  await svc.modify(dave, new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['-1'] }) }));
  const client = ldapsClient(sim);
  t.regex((await failure(client.bind(dave, 'Brand#New123'))).message, /data 775/);
  now += 31 * 60_000;
  await t.notThrowsAsync(client.bind(dave, 'Brand#New123'));
  await client.unbind();
  await svc.unbind();
});

test('badPwdCount restarts after the observation window', async (t) => {
  let now = Date.now();
  const sim = await startSim({ clock: () => now });
  t.teardown(() => sim.stop());
  const client = ldapsClient(sim);
  const alice = dnOf(sim, 'alice');
  for (let i = 0; i < 4; i++) await failure(client.bind(alice, 'Wrong#Guess1'));
  now += 31 * 60_000;
  await failure(client.bind(alice, 'Wrong#Guess1'));
  await t.notThrowsAsync(client.bind(alice, SeededAccount.alice.password));
  await client.unbind();
});
