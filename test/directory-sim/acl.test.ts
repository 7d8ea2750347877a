import test from 'ava';
import { Attribute, Change } from 'ldapts';
import { AdGuid } from '../../ldap-constants/ad-guids.js';
import { Oid } from '../../ldap-constants/oids.js';
import { AceFlag, SdControl } from '../../ldap-constants/ad-access-mask.js';
// The agent's parser: one parser for both (directory-sim keeps only its encoder).
import { parseSecurityDescriptor as decodeSecurityDescriptor } from '../../agent/directory/ad/permissions/security-descriptor.js';
import { sidToString } from '../../directory-sim/ad/sid.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { RawControl, sequenceOfSmallInteger } from './helpers/raw-control.js';
import { boundClient, dnOf, startSim } from './helpers/with-sim.js';

const domainSid = 'S-1-5-21-1004336348-1177238915-682003330';
const svcSid = `${domainSid}-${SeededAccount.svcWriteback.rid}`;

test('nTSecurityDescriptor comes only under the SD flags control, as a self-relative descriptor with the DACL', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  const alice = dnOf(sim, 'alice');
  const without = await svc.search(alice, { scope: 'base', attributes: ['nTSecurityDescriptor', 'cn'], explicitBufferAttributes: ['nTSecurityDescriptor'] });
  // ldapts fills a requested attribute the server omitted with [].
  t.deepEqual(without.searchEntries[0]!.nTSecurityDescriptor, []);

  const daclOnly = new RawControl(Oid.sdFlags, sequenceOfSmallInteger(4));
  const { searchEntries } = await svc.search(alice, { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] }, daclOnly);
  const raw = searchEntries[0]!.nTSecurityDescriptor as Buffer;
  t.true(Buffer.isBuffer(raw));
  t.is(raw[0], 1);
  const sd = decodeSecurityDescriptor(raw);
  t.is(sd.control & SdControl.selfRelative, SdControl.selfRelative);
  t.is(sd.control & SdControl.daclPresent, SdControl.daclPresent);
  t.is(sd.control & SdControl.daclProtected, 0);
  t.is(sd.owner, null);
  t.is(sd.dacl!.revision, 4);
  const reset = sd.dacl!.aces.find((ace) => ace.objectType === AdGuid.resetPassword && ace.sid === svcSid);
  t.truthy(reset);
  t.is(reset!.flags & AceFlag.inherited, AceFlag.inherited);
  t.is(reset!.inheritedObjectType, AdGuid.userClass);
  t.is(reset!.mask, 0x100);
  // Explicit ACEs come before inherited ones, denies first among explicit ones.
  const firstInherited = sd.dacl!.aces.findIndex((ace) => (ace.flags & AceFlag.inherited) !== 0);
  t.true(sd.dacl!.aces.slice(firstInherited).every((ace) => (ace.flags & AceFlag.inherited) !== 0));
  // GUIDs are in Windows byte order: first field little-endian.
  t.true(raw.includes(Buffer.from('70952900', 'hex')));

  const all = new RawControl(Oid.sdFlags, sequenceOfSmallInteger(7));
  const full = await svc.search(alice, { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] }, all);
  t.is(decodeSecurityDescriptor(full.searchEntries[0]!.nTSecurityDescriptor as Buffer).owner, `${domainSid}-512`);
  await svc.unbind();
});

test('a protected account (adminCount=1) has a protected DACL without the delegated ACEs', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  const { searchEntries } = await svc.search(
    dnOf(sim, 'patAdmin'),
    { scope: 'base', attributes: ['nTSecurityDescriptor', 'adminCount'], explicitBufferAttributes: ['nTSecurityDescriptor'] },
    new RawControl(Oid.sdFlags, sequenceOfSmallInteger(4)),
  );
  t.is(searchEntries[0]!.adminCount, '1');
  const sd = decodeSecurityDescriptor(searchEntries[0]!.nTSecurityDescriptor as Buffer);
  t.is(sd.control & SdControl.daclProtected, SdControl.daclProtected);
  t.false(sd.dacl!.aces.some((ace) => ace.sid === svcSid));
  t.false(sd.dacl!.aces.some((ace) => (ace.flags & AceFlag.inherited) !== 0));
  await svc.unbind();
});

test('allowedAttributesEffective lists pwdLastSet and lockoutTime inside the delegated OU only, never the reset right', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  const effective = async (dn: string): Promise<string[]> => {
    const value = (await svc.search(dn, { scope: 'base', attributes: ['allowedAttributesEffective'] })).searchEntries[0]!.allowedAttributesEffective;
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String).sort();
  };
  t.deepEqual(await effective(dnOf(sim, 'alice')), ['lockoutTime', 'pwdLastSet']);
  t.deepEqual(await effective(dnOf(sim, 'frank')), ['lockoutTime', 'pwdLastSet']);
  t.deepEqual(await effective(dnOf(sim, 'mallory')), []);
  t.deepEqual(await effective(dnOf(sim, 'patAdmin')), []);
  const admin = await boundClient(sim, 'administrator');
  const adminView = (await admin.search(dnOf(sim, 'mallory'), { scope: 'base', attributes: ['allowedAttributesEffective'] })).searchEntries[0]!.allowedAttributesEffective;
  t.true(Array.isArray(adminView) && (adminView as string[]).includes('mail') && (adminView as string[]).includes('pwdLastSet'));
  // Not part of '*'.
  const star = (await svc.search(dnOf(sim, 'alice'), { scope: 'base', attributes: ['*'] })).searchEntries[0]!;
  t.false('allowedAttributesEffective' in star);
  t.false('unicodePwd' in star);
  await admin.unbind();
  await svc.unbind();
});

test('tokenGroups: binary SIDs of the transitive groups, on a base search of the account or the rootDSE', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const alice = await boundClient(sim, 'alice');
  const sidsOf = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).map((sid) => sidToString(sid as Buffer)).sort();
  const own = await alice.search(dnOf(sim, 'alice'), { scope: 'base', attributes: ['tokenGroups', 'objectSid'], explicitBufferAttributes: ['tokenGroups', 'objectSid'] });
  const helpdesk = sidToString(
    (await alice.search(`CN=Helpdesk,CN=Users,${sim.baseDn}`, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] })).searchEntries[0]!.objectSid as Buffer,
  );
  const allStaff = sidToString(
    (await alice.search(`CN=All Staff,CN=Users,${sim.baseDn}`, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] })).searchEntries[0]!.objectSid as Buffer,
  );
  t.deepEqual(sidsOf(own.searchEntries[0]!.tokenGroups), [`${domainSid}-513`, helpdesk, allStaff].sort());
  const root = await alice.search('', { scope: 'base', attributes: ['tokenGroups'], explicitBufferAttributes: ['tokenGroups'] });
  t.deepEqual(sidsOf(root.searchEntries[0]!.tokenGroups), sidsOf(own.searchEntries[0]!.tokenGroups));
  // Constructed, base scope only.
  const sub = await alice.search(`OU=Staff,${sim.baseDn}`, { filter: '(sAMAccountName=alice)', attributes: ['tokenGroups'], explicitBufferAttributes: ['tokenGroups'] });
  t.deepEqual(sub.searchEntries[0]!.tokenGroups, []);
  await alice.unbind();
});

test('an explicit deny on the object beats the inherited allow (canonical order)', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const bob = sim.store.get(dnOf(sim, 'bob'))!;
  bob.security.dacl.push({ allow: false, mask: 0x100, flags: 0, objectType: AdGuid.resetPassword, sid: svcSid });
  const svc = await boundClient(sim, 'svcWriteback');
  const error = await svc
    .modify(dnOf(sim, 'bob'), new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from('"Other#Pass99"', 'utf16le')] }) }))
    .catch((e: unknown) => e as { code: number });
  t.is((error as { code: number }).code, 50);
  await svc.modify(dnOf(sim, 'alice'), new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from('"Other#Pass99"', 'utf16le')] }) }));
  await svc.unbind();
});

test('a deny inherited from a nearer OU beats the allow inherited from farther up', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  sim.store.get(`OU=Sales,OU=Staff,${sim.baseDn}`)!.security.dacl.push({
    allow: false,
    mask: 0x100,
    flags: AceFlag.containerInherit | AceFlag.inheritOnly,
    objectType: AdGuid.resetPassword,
    inheritedObjectType: AdGuid.userClass,
    sid: svcSid,
  });
  const svc = await boundClient(sim, 'svcWriteback');
  const reset = new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from('"Other#Pass99"', 'utf16le')] }) });
  t.is(((await svc.modify(dnOf(sim, 'frank'), reset).catch((e: unknown) => e)) as { code: number }).code, 50);
  await svc.modify(dnOf(sim, 'alice'), reset);
  await svc.unbind();
});
