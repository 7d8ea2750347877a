import test from 'ava';
import { Attribute, Change } from 'ldapts';
import { Oid } from '../../ldap-constants/oids.js';
import { RawControl } from './helpers/raw-control.js';
import { boundClient, dnOf, failure, quotedUtf16, startSim, ldapsClient } from './helpers/with-sim.js';

const change = (operation: 'add' | 'delete' | 'replace', type: string, ...values: string[]): Change => new Change({ operation, modification: new Attribute({ type, values }) });

test('add, delete and replace of values; 20 and 16 unless permissive modify; atomic on failure', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const admin = await boundClient(sim, 'administrator');
  const bob = dnOf(sim, 'bob');
  const description = async (): Promise<unknown> => (await admin.search(bob, { scope: 'base', attributes: ['description'] })).searchEntries[0]?.description;
  await admin.modify(bob, change('add', 'description', 'one', 'two'));
  t.deepEqual(await description(), ['one', 'two']);
  t.is((await failure(admin.modify(bob, change('add', 'description', 'ONE')))).code, 20);
  t.is((await failure(admin.modify(bob, change('delete', 'description', 'three')))).code, 16);
  const permissive = new RawControl(Oid.permissiveModify, undefined);
  await admin.modify(bob, change('add', 'description', 'one'), permissive);
  await admin.modify(bob, change('delete', 'description', 'three'), permissive);
  await admin.modify(bob, change('delete', 'description', 'one'));
  t.is(await description(), 'two');
  // The second change fails, so the first must not stick.
  t.is((await failure(admin.modify(bob, [change('replace', 'description', 'changed'), change('delete', 'mail', 'nobody@sim.test')]))).code, 16);
  t.is(await description(), 'two');
  t.is((await failure(admin.modify(bob, change('replace', 'objectGUID', 'x')))).code, 53);
  t.is((await failure(admin.modify(`CN=Ghost,OU=Staff,${sim.baseDn}`, change('replace', 'description', 'x')))).code, 32);
  await admin.unbind();
});

test('group membership changes show in memberOf', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const admin = await boundClient(sim, 'administrator');
  const helpdesk = `CN=Helpdesk,CN=Users,${sim.baseDn}`;
  await admin.modify(helpdesk, change('add', 'member', dnOf(sim, 'mallory')));
  const memberOf = async (): Promise<unknown> => (await admin.search(dnOf(sim, 'mallory'), { scope: 'base', attributes: ['memberOf'] })).searchEntries[0]?.memberOf;
  t.is(await memberOf(), helpdesk);
  await admin.modify(helpdesk, change('delete', 'member', dnOf(sim, 'mallory').toUpperCase()));
  t.deepEqual(await memberOf(), []);
  await admin.unbind();
});

test('add and delete entries over LDAP (Create Child / Delete rights)', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const admin = await boundClient(sim, 'administrator');
  const dn = `CN=Nora New,OU=Staff,${sim.baseDn}`;
  await admin.add(dn, [
    new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
    new Attribute({ type: 'sAMAccountName', values: ['nora'] }),
    new Attribute({ type: 'userPrincipalName', values: ['nora@sim.test'] }),
    new Attribute({ type: 'unicodePwd', values: [quotedUtf16('Fresh#Start9')] }),
  ]);
  const nora = ldapsClient(sim);
  await nora.bind('nora@sim.test', 'Fresh#Start9');
  await nora.unbind();
  const svc = await boundClient(sim, 'svcWriteback');
  t.is((await failure(svc.del(dn))).code, 50);
  t.is((await failure(svc.add(`CN=Other,OU=Staff,${sim.baseDn}`, { objectClass: ['top', 'user'] }))).code, 50);
  await admin.del(dn);
  t.is(sim.store.get(dn), undefined);
  t.is((await failure(admin.del(`OU=Staff,${sim.baseDn}`))).code, 66);
  await svc.unbind();
  await admin.unbind();
});
