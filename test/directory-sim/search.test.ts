import test from 'ava';
import { Attribute, Change, EqualityFilter, type Client } from 'ldapts';
import { Oid } from '../../ldap-constants/oids.js';
import { guidFromBuffer } from '../../directory-sim/ad/guid.js';
import { sidToString } from '../../directory-sim/ad/sid.js';
import type { DirectorySim } from '../../directory-sim/start-directory-sim.js';
import { RawControl } from './helpers/raw-control.js';
import { boundClient, dnOf, failure, ldapClient, startSim } from './helpers/with-sim.js';

async function sams(client: Client, sim: DirectorySim, filter: string, scope: 'base' | 'one' | 'sub' = 'sub', base = sim.baseDn): Promise<string[]> {
  const { searchEntries } = await client.search(base, { scope, filter, attributes: ['sAMAccountName'] });
  return searchEntries.map((entry) => String(entry.sAMAccountName)).sort();
}

test('filters: equality, presence, substrings, ordering, not/and/or, bit-and, in-chain, objectCategory', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const c = await boundClient(sim, 'svcWriteback');
  t.deepEqual(await sams(c, sim, '(sAMAccountName=ALICE)'), ['alice']);
  t.deepEqual(await sams(c, sim, '(userPrincipalName=bob@sim.test)'), ['bob']);
  t.deepEqual(await sams(c, sim, '(mail=frank@SIM.test)'), ['frank']);
  t.deepEqual(await sams(c, sim, '(&(objectClass=user)(sAMAccountName=a*))'), ['administrator', 'alice'].map((s) => (s === 'administrator' ? 'Administrator' : s)).sort());
  t.deepEqual(await sams(c, sim, '(sAMAccountName=*ll*r*)'), ['mallory']);
  t.deepEqual(await sams(c, sim, '(sAMAccountName=*y)'), ['mallory']);
  t.deepEqual(await sams(c, sim, '(&(objectCategory=person)(adminCount=*))'), ['Administrator', 'pat.admin']);
  t.deepEqual(await sams(c, sim, '(&(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=2))'), ['carol']);
  t.deepEqual(await sams(c, sim, '(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(sAMAccountName=*r*))'), ['Administrator', 'erin', 'frank', 'mallory', 'svc-writeback']);
  t.deepEqual(await sams(c, sim, '(|(sAMAccountName=bob)(mail=dave@sim.test))'), ['bob', 'dave']);
  t.deepEqual(await sams(c, sim, '(&(objectClass=user)(lockoutTime>=1))'), ['dave']);
  t.deepEqual(await sams(c, sim, '(&(objectClass=user)(pwdLastSet<=0))'), ['erin']);
  const allStaff = `CN=All Staff,CN=Users,${sim.baseDn}`;
  t.deepEqual(await sams(c, sim, `(memberOf=${allStaff})`), ['Helpdesk', 'bob']);
  t.deepEqual(await sams(c, sim, `(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=${allStaff}))`), ['alice', 'bob']);
  t.deepEqual(await sams(c, sim, `(member:1.2.840.113556.1.4.1941:=${dnOf(sim, 'alice')})`), ['All Staff', 'Helpdesk']);
  t.deepEqual(await sams(c, sim, '(&(objectClass=user)(ou:dn:=Contractors))'), ['mallory']);
  await c.unbind();
});

test('binary attributes: objectGUID equality with escaped bytes, objectSid as binary or S-1- text', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const c = await boundClient(sim, 'svcWriteback');
  const { searchEntries } = await c.search(dnOf(sim, 'bob'), { scope: 'base', attributes: ['objectGUID', 'objectSid'], explicitBufferAttributes: ['objectGUID', 'objectSid'] });
  const guid = searchEntries[0]!.objectGUID as Buffer;
  const sid = searchEntries[0]!.objectSid as Buffer;
  t.is(guid.length, 16);
  t.regex(guidFromBuffer(guid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  t.is(sidToString(sid), 'S-1-5-21-1004336348-1177238915-682003330-1111');
  const byGuid = await c.search(sim.baseDn, { filter: new EqualityFilter({ attribute: 'objectGUID', value: guid }), attributes: ['sAMAccountName'] });
  t.deepEqual(
    byGuid.searchEntries.map((e) => e.sAMAccountName),
    ['bob'],
  );
  const bySid = await c.search(sim.baseDn, { filter: new EqualityFilter({ attribute: 'objectSid', value: sid }), attributes: ['sAMAccountName'] });
  t.deepEqual(
    bySid.searchEntries.map((e) => e.sAMAccountName),
    ['bob'],
  );
  t.deepEqual(await sams(c, sim, `(objectSid=${sidToString(sid)})`), ['bob']);
  await c.unbind();
});

test('scopes base, one and sub; a missing base is noSuchObject with the best match', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const c = await boundClient(sim, 'svcWriteback');
  const staff = `OU=Staff,${sim.baseDn}`;
  t.deepEqual(await sams(c, sim, '(objectClass=user)', 'one', staff), ['alice', 'bob', 'carol', 'dave', 'erin', 'pat.admin']);
  t.deepEqual(await sams(c, sim, '(objectClass=user)', 'sub', staff), ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'pat.admin']);
  t.deepEqual(await sams(c, sim, '(objectClass=*)', 'base', dnOf(sim, 'bob')), ['bob']);
  t.deepEqual(await sams(c, sim, '(sAMAccountName=alice)', 'base', dnOf(sim, 'bob')), []);
  const error = await failure(c.search(`OU=Nowhere,${staff}`, { filter: '(objectClass=*)' }));
  t.is(error.code, 32);
  t.regex(error.message, /^0000208D: NameErr: DSID-0310028C, problem 2001 \(NO_OBJECT\), data 0, best match of:\n\t'OU=Staff,DC=sim,DC=test'/);
  await c.unbind();
});

test("attribute selection: '1.1' gives none, '*' the stored ones, constructed ones only by name", async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const c = await boundClient(sim, 'svcWriteback');
  const alice = dnOf(sim, 'alice');
  const none = await c.search(alice, { scope: 'base', attributes: ['1.1'] });
  // ldapts adds every requested name it did not get back, as [].
  t.deepEqual(none.searchEntries[0], { dn: alice, '1.1': [] });
  const star = (await c.search(alice, { scope: 'base', attributes: ['*'] })).searchEntries[0]!;
  for (const name of ['sAMAccountName', 'userPrincipalName', 'objectGUID', 'pwdLastSet', 'userAccountControl', 'memberOf', 'whenCreated']) t.true(name in star, name);
  for (const name of ['msDS-User-Account-Control-Computed', 'tokenGroups', 'unicodePwd', 'nTSecurityDescriptor']) t.false(name in star, name);
  const named = (await c.search(alice, { scope: 'base', attributes: ['msDS-User-Account-Control-Computed', 'SAMACCOUNTNAME'] })).searchEntries[0]!;
  t.is(named['msDS-User-Account-Control-Computed'], '0');
  t.is(named.sAMAccountName, 'alice');
  const erin = (await c.search(dnOf(sim, 'erin'), { scope: 'base', attributes: ['msDS-User-Account-Control-Computed'] })).searchEntries[0]!;
  t.is(Number(erin['msDS-User-Account-Control-Computed']) & 0x800000, 0x800000);
  await c.unbind();
});

test('size limit, MaxPageSize and the paged results control', async (t) => {
  const sim = await startSim({ bulkUsers: 250, maxPageSize: 100 });
  t.teardown(() => sim.stop());
  const c = await boundClient(sim, 'svcWriteback');
  const bulk = `OU=Bulk,${sim.baseDn}`;
  const limited = await c.search(bulk, { filter: '(objectClass=user)', sizeLimit: 10, attributes: ['cn'] });
  t.is(limited.searchEntries.length, 10);
  const capped = await failure(c.search(bulk, { filter: '(objectClass=user)', attributes: ['cn'] }));
  t.is(capped.code, 4);
  const paged = await c.search(bulk, { filter: '(objectClass=user)', attributes: ['sAMAccountName'], paged: { pageSize: 40 } });
  t.is(paged.searchEntries.length, 250);
  t.is(new Set(paged.searchEntries.map((e) => e.sAMAccountName)).size, 250);
  const pages: number[] = [];
  for await (const page of c.searchPaginated(bulk, { filter: '(objectClass=user)', attributes: ['cn'], paged: { pageSize: 100 } })) pages.push(page.searchEntries.length);
  t.deepEqual(pages, [100, 100, 50]);
  await c.unbind();
});

test('rootDSE: supportedControl differs by mode; an unknown critical control is rc 12', async (t) => {
  const windows = await startSim();
  const samba = await startSim({ mode: 'samba' });
  t.teardown(async () => {
    await windows.stop();
    await samba.stop();
  });
  for (const [sim, hasHints] of [
    [windows, true],
    [samba, false],
  ] as const) {
    const c = ldapClient(sim);
    const root = (await c.search('', { scope: 'base', attributes: ['supportedControl', 'supportedExtension', 'defaultNamingContext', 'dnsHostName', 'supportedCapabilities'] })).searchEntries[0]!;
    const controls = root.supportedControl as string[];
    t.is(controls.includes(Oid.policyHints), hasHints);
    t.is(controls.includes(Oid.policyHintsDeprecated), hasHints);
    t.true(controls.includes(Oid.pagedResults) && controls.includes(Oid.sdFlags));
    t.deepEqual([...(root.supportedExtension as string[])].sort(), [Oid.startTls, Oid.whoAmI].sort());
    t.is(root.defaultNamingContext, 'DC=sim,DC=test');
    t.true((root.supportedCapabilities as string[]).includes(Oid.capabilityActiveDirectory));
    await c.unbind();
  }
  const c = await boundClient(windows, 'svcWriteback');
  const error = await failure(c.search(windows.baseDn, { filter: '(sAMAccountName=bob)' }, new RawControl('1.2.3.4.5.6', undefined, true)));
  t.is(error.code, 12);
  t.regex(error.message, /Critical extension is unavailable/);
  const ignored = await c.search(windows.baseDn, { filter: '(sAMAccountName=bob)', attributes: ['cn'] }, new RawControl('1.2.3.4.5.6', undefined, false));
  t.is(ignored.searchEntries.length, 1);
  await c.unbind();
});

test('RFC 4515 escapes and approximate match reach the server intact', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const admin = await boundClient(sim, 'administrator');
  await admin.modify(dnOf(sim, 'bob'), new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['a*b(c)\\d', 'Ünïcödé'] }) }));
  t.deepEqual(await sams(admin, sim, '(description=a\\2ab\\28c\\29\\5cd)'), ['bob']);
  t.deepEqual(await sams(admin, sim, '(description=a\\2a*)'), ['bob']);
  t.deepEqual(await sams(admin, sim, '(description=ünïcödé)'), ['bob']);
  t.deepEqual(await sams(admin, sim, '(sn~=BROWN)'), ['bob']);
  t.deepEqual(await sams(admin, sim, '(description=a*)'), ['bob']);
  await admin.unbind();
});
