import test from 'ava';
import { Attribute, Change, Client } from 'ldapts';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { dnOf, failure, ldapClient, ldapsClient, startSim, testPki } from './helpers/with-sim.js';

const windowsBindText = (data: string): RegExp => new RegExp(`^80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data ${data}, v4563`);
const sambaBindText = (data: string): RegExp => new RegExp(`^80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1`);

test('binds by DN, UPN, DOMAIN\\user and bare sAMAccountName, and Who am I names the account', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  for (const name of [dnOf(sim, 'alice'), 'alice@sim.test', 'SIM\\alice', 'alice']) {
    const client = ldapsClient(sim);
    await client.bind(name, SeededAccount.alice.password);
    t.is(await client.exop('1.3.6.1.4.1.4203.1.11.3').then((r) => r.value), 'u:SIM\\alice', name);
    await client.unbind();
  }
});

test('bind failures carry the AcceptSecurityContext data codes (Windows)', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const cases: [string, string, string][] = [
    [dnOf(sim, 'alice'), 'wrong-Password1', '52e'],
    [`CN=Nobody,OU=Staff,${sim.baseDn}`, 'whatever-1A', '525'],
    ['nobody@sim.test', 'whatever-1A', '525'],
    [dnOf(sim, 'carol'), SeededAccount.carol.password, '533'],
    [dnOf(sim, 'erin'), SeededAccount.erin.password, '773'],
    [dnOf(sim, 'dave'), SeededAccount.dave.password, '775'],
  ];
  for (const [name, password, data] of cases) {
    const client = ldapsClient(sim);
    await t.throwsAsync(client.bind(name, password), { instanceOf: Error, message: windowsBindText(data) }, data);
    const error = await failure(client.bind(name, password));
    t.is(error.code, 49);
    await client.unbind();
  }
});

test('Samba mode: same codes with Samba texts, and simple bind refused without TLS', async (t) => {
  const sim = await startSim({ mode: 'samba' });
  t.teardown(() => sim.stop());
  const client = ldapsClient(sim);
  await t.throwsAsync(client.bind(dnOf(sim, 'alice'), 'wrong-Password1'), { message: sambaBindText('52e') });
  await t.throwsAsync(client.bind(dnOf(sim, 'carol'), SeededAccount.carol.password), { message: sambaBindText('533') });
  await client.unbind();
  const plain = ldapClient(sim);
  const error = await failure(plain.bind(dnOf(sim, 'alice'), SeededAccount.alice.password));
  t.is(error.code, 8);
  t.regex(error.message, /^BindSimple: Transport encryption required\./);
  await plain.unbind();
});

test('Windows mode allows simple bind on plain LDAP, and StartTLS upgrades the connection', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const plain = ldapClient(sim);
  await plain.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  await plain.unbind();
  const { caPem } = await testPki();
  const upgraded = new Client({ url: sim.ldapUrl, timeout: 5000 });
  await upgraded.startTLS({ ca: [caPem] });
  await upgraded.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  const { searchEntries } = await upgraded.search(dnOf(sim, 'bob'), { scope: 'base', attributes: ['sAMAccountName'] });
  t.is(searchEntries[0]?.sAMAccountName, 'bob');
  // StartTLS counts as encrypted for unicodePwd.
  await upgraded.bind(dnOf(sim, 'svcWriteback'), SeededAccount.svcWriteback.password);
  await upgraded.modify(dnOf(sim, 'bob'), new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from('"Over#StartTls1"', 'utf16le')] }) }));
  await upgraded.unbind();
});

test('anonymous: rootDSE readable, anything else needs a bind', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const client = ldapClient(sim);
  const root = await client.search('', { scope: 'base', attributes: ['defaultNamingContext', 'dnsHostName'] });
  t.is(root.searchEntries[0]?.defaultNamingContext, 'DC=sim,DC=test');
  t.is(root.searchEntries[0]?.dnsHostName, 'dc1.sim.test');
  const error = await failure(client.search(sim.baseDn, { filter: '(sAMAccountName=alice)' }));
  t.is(error.code, 1);
  t.regex(error.message, /^000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed/);
  t.is((await client.exop('1.3.6.1.4.1.4203.1.11.3')).value ?? '', '');
  await client.unbind();
});

test('bind records go to the op log without the password', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const client = ldapsClient(sim);
  await client.bind(dnOf(sim, 'alice'), SeededAccount.alice.password);
  await client.bind(dnOf(sim, 'alice'), 'Not-The-Password9').catch(() => undefined);
  await client.unbind();
  const binds = sim.opLog.all().filter((record) => record.operation === 'bind');
  t.deepEqual(
    binds.map((record) => record.resultCode),
    [0, 49],
  );
  const dump = JSON.stringify(sim.opLog.all());
  t.false(dump.includes(SeededAccount.alice.password));
  t.false(dump.includes('Not-The-Password9'));
});

test('password expired by maxPwdAge (532) unless it never expires; account expired (701)', async (t) => {
  let now = Date.now();
  const sim = await startSim({ clock: () => now });
  t.teardown(() => sim.stop());
  now += 13 * 24 * 3600_000; // seeded passwords are 30 days old, maxPwdAge is 42 days
  const client = ldapsClient(sim);
  t.regex((await failure(client.bind(dnOf(sim, 'alice'), SeededAccount.alice.password))).message, /data 532/);
  await t.notThrowsAsync(client.bind(dnOf(sim, 'svcWriteback'), SeededAccount.svcWriteback.password));
  const expired = sim.store.get(dnOf(sim, 'bob'))!;
  sim.store.setValues(expired, 'accountExpires', ['130000000000000000']); // 2012
  t.regex((await failure(client.bind(dnOf(sim, 'bob'), SeededAccount.bob.password))).message, /data 701/);
  await client.unbind();
});

test('compare answers true or false, never on secrets', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const client = ldapsClient(sim);
  await client.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  t.true(await client.compare(dnOf(sim, 'alice'), 'sAMAccountName', 'ALICE'));
  t.false(await client.compare(dnOf(sim, 'alice'), 'sAMAccountName', 'bob'));
  t.false(await client.compare(dnOf(sim, 'alice'), 'unicodePwd', `"${SeededAccount.alice.password}"`));
  await client.unbind();
});
