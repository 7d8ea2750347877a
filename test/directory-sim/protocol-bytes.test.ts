import test from 'ava';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { RawLdap, tlv } from './helpers/raw-ldap.js';
import { dnOf, startSim } from './helpers/with-sim.js';

const success = (messageId: number, responseTag: number): string => `300c0201${messageId.toString(16).padStart(2, '0')}${responseTag.toString(16)}070a0100 0400 0400`.replace(/\s/g, '');
const hex = (buffer: Buffer): string => buffer.toString('hex');

test('bind: hand-built BindRequest, exact BindResponse bytes (success and 52e)', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const raw = await RawLdap.connect(sim.ldapPort);
  t.teardown(() => raw.end());
  const bob = dnOf(sim, 'bob');
  // 30 len 02 01 01 60 len 02 01 03 04 <dn> 80 <password>
  raw.send(tlv(0x30, Buffer.from('020101', 'hex'), tlv(0x60, Buffer.from('020103', 'hex'), tlv(0x04, bob), tlv(0x80, SeededAccount.bob.password))));
  t.is(hex(await raw.take(14)), success(1, 0x61));

  raw.send(tlv(0x30, Buffer.from('020102', 'hex'), tlv(0x60, Buffer.from('020103', 'hex'), tlv(0x04, bob), tlv(0x80, 'Wrong#Pass1'))));
  const text = '80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563';
  const expected = tlv(0x30, Buffer.from('020102', 'hex'), tlv(0x61, Buffer.from('0a0131', 'hex'), Buffer.from('0400', 'hex'), tlv(0x04, text)));
  t.is(hex(await raw.take(expected.length)), hex(expected));
});

test('search: rootDSE dnsHostName, exact entry and done bytes', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const raw = await RawLdap.connect(sim.ldapPort);
  t.teardown(() => raw.end());
  // base "", scope base, deref never, sizeLimit 0, timeLimit 0, typesOnly false, (objectClass=*), [dnsHostName]
  raw.send(
    tlv(0x30, Buffer.from('020102', 'hex'), tlv(0x63, Buffer.from('0400 0a0100 0a0100 020100 020100 010100'.replace(/\s/g, ''), 'hex'), tlv(0x87, 'objectClass'), tlv(0x30, tlv(0x04, 'dnsHostName')))),
  );
  const entry = tlv(0x30, Buffer.from('020102', 'hex'), tlv(0x64, Buffer.from('0400', 'hex'), tlv(0x30, tlv(0x30, tlv(0x04, 'dnsHostName'), tlv(0x31, tlv(0x04, 'dc1.sim.test'))))));
  const done = Buffer.from(success(2, 0x65), 'hex');
  t.is(hex(await raw.take(entry.length + done.length)), hex(Buffer.concat([entry, done])));
});

test('modify: hand-built ModifyRequest after an admin bind, exact ModifyResponse bytes, value stored', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const raw = await RawLdap.connect(sim.ldapPort);
  t.teardown(() => raw.end());
  raw.send(tlv(0x30, Buffer.from('020101', 'hex'), tlv(0x60, Buffer.from('020103', 'hex'), tlv(0x04, 'SIM\\Administrator'), tlv(0x80, SeededAccount.administrator.password))));
  t.is(hex(await raw.take(14)), success(1, 0x61));
  const bob = dnOf(sim, 'bob');
  // replace (2) description: "hello"
  raw.send(tlv(0x30, Buffer.from('020103', 'hex'), tlv(0x66, tlv(0x04, bob), tlv(0x30, tlv(0x30, Buffer.from('0a0102', 'hex'), tlv(0x30, tlv(0x04, 'description'), tlv(0x31, tlv(0x04, 'hello'))))))));
  t.is(hex(await raw.take(14)), success(3, 0x67));
  t.deepEqual(sim.store.values(sim.store.get(bob)!, 'description'), ['hello']);
  t.like(sim.opLog.writesFor(bob)[0], { attribute: 'description', change: 'replace', values: ['hello'], boundDn: dnOf(sim, 'administrator'), resultCode: 0 });
});

test('abandon stops an endless search; the connection keeps working', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const raw = await RawLdap.connect(sim.ldapPort);
  t.teardown(() => raw.end());
  sim.faults.respond('search', 'endless');
  raw.send(tlv(0x30, Buffer.from('020105', 'hex'), tlv(0x63, tlv(0x04, sim.baseDn), Buffer.from('0a0102 0a0100 020100 020100 010100'.replace(/\s/g, ''), 'hex'), tlv(0x87, 'objectClass'), tlv(0x30))));
  const first = await raw.take(10_000);
  t.true(first.length >= 1000);
  raw.send('3006 020106 500105'); // AbandonRequest for message 5
  // What was already in flight still arrives; then the stream must go quiet.
  let quiet = false;
  for (let i = 0; i < 20 && !quiet; i++) quiet = (await raw.take(1, 200)).length === 0;
  t.true(quiet, 'no more entries after abandon');
  raw.send(tlv(0x30, Buffer.from('020107', 'hex'), tlv(0x77, tlv(0x80, '1.3.6.1.4.1.4203.1.11.3'))));
  const whoami = await raw.take(14);
  t.is(whoami[5], 0x78);
});

test('a message that is not LDAP gets a notice of disconnection and the connection closes', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const raw = await RawLdap.connect(sim.ldapPort);
  raw.send('3005 020101 ff00');
  const notice = await raw.take(100);
  t.is(notice[0], 0x30);
  t.is(hex(notice.subarray(2, 6)), '02010078');
  t.true(notice.includes(Buffer.from('1.3.6.1.4.1.1466.20036')));
  await raw.take(1000, 500);
  t.true(raw.closed);
});

test('a search with an undecodable body is answered with protocolError; the connection stays', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const raw = await RawLdap.connect(sim.ldapPort);
  t.teardown(() => raw.end());
  // scope 3 (subordinates) does not exist in AD
  raw.send(tlv(0x30, Buffer.from('020109', 'hex'), tlv(0x63, Buffer.from('0400 0a0103 0a0100 020100 020100 010100'.replace(/\s/g, ''), 'hex'), tlv(0x87, 'objectClass'), tlv(0x30))));
  const response = await raw.take(10);
  t.is(hex(response.subarray(2, 5)), '020109');
  t.is(response[5], 0x65);
  t.is(hex(response.subarray(7, 10)), '0a0102');
  t.false(raw.closed);
});
