import test from 'ava';
import { encodeInteger, encodeLength, encodeOctets } from '../../directory-sim/ber/ber-encode.js';
import { BerReader, completeTlvLength } from '../../directory-sim/ber/ber-reader.js';
import { AceFlag } from '../../ldap-constants/ad-access-mask.js';
import { AccessMask } from '../../directory-sim/ad/access-mask.js';
import { encodeSecurityDescriptor } from '../../directory-sim/ad/encode-security-descriptor.js';
import { accessGranted } from '../../directory-sim/ad/access-check.js';
import { effectiveDacl } from '../../directory-sim/ad/effective-dacl.js';
import { guidFromBuffer, guidToBuffer } from '../../directory-sim/ad/guid.js';
import { sidToBuffer, sidToString } from '../../directory-sim/ad/sid.js';
import { decodeFilter } from '../../directory-sim/filter/decode-filter.js';
import { AdGuid } from '../../ldap-constants/ad-guids.js';

const hex = (buffer: Buffer): string => buffer.toString('hex');

test('BER integers and lengths encode minimally (DER)', (t) => {
  t.is(hex(encodeInteger(0)), '020100');
  t.is(hex(encodeInteger(127)), '02017f');
  t.is(hex(encodeInteger(128)), '02020080');
  t.is(hex(encodeInteger(256)), '02020100');
  t.is(hex(encodeInteger(-1)), '0201ff');
  t.is(hex(encodeInteger(-129)), '0202ff7f');
  t.is(hex(encodeInteger(2147483647)), '02047fffffff');
  t.is(hex(encodeLength(127)), '7f');
  t.is(hex(encodeLength(200)), '81c8');
  t.is(hex(encodeLength(70000)), '83011170');
  t.is(hex(encodeOctets('ab')), '04026162');
  for (const n of [0, 1, -1, 127, 128, -128, -129, 65535, 2147483647, -2147483648]) t.is(new BerReader(encodeInteger(n)).readInteger(), n);
});

test('framing waits for a whole message and refuses absurd lengths', (t) => {
  t.is(completeTlvLength(Buffer.from('3005020101', 'hex'), 1000), -1);
  t.is(completeTlvLength(Buffer.from('30030201010000', 'hex'), 1000), 5);
  t.is(completeTlvLength(Buffer.from('3082', 'hex'), 1000), -1);
  t.throws(() => completeTlvLength(Buffer.from('3084ffffffff', 'hex'), 1000), { message: /over the limit/ });
  t.throws(() => new BerReader(Buffer.from('3005020101', 'hex')).readTlv(), { message: /runs past/ });
});

test('filters decode from their BER form', (t) => {
  // (&(objectClass=user)(sAMAccountName=al*)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))
  const equality = Buffer.concat([Buffer.from('a313040b', 'hex'), Buffer.from('objectClass'), Buffer.from('0404', 'hex'), Buffer.from('user')]);
  const substrings = Buffer.concat([Buffer.from('a416040e', 'hex'), Buffer.from('sAMAccountName'), Buffer.from('30048002', 'hex'), Buffer.from('al')]);
  const rule = '1.2.840.113556.1.4.803';
  const extensibleBody = Buffer.concat([Buffer.from([0x81, rule.length]), Buffer.from(rule), Buffer.from([0x82, 18]), Buffer.from('userAccountControl'), Buffer.from('830132', 'hex')]);
  const not = Buffer.concat([Buffer.from([0xa2, extensibleBody.length + 2, 0xa9, extensibleBody.length]), extensibleBody]);
  const body = Buffer.concat([equality, substrings, not]);
  const filter = decodeFilter(new BerReader(Buffer.concat([Buffer.from([0xa0, body.length]), body])));
  t.like(filter, { kind: 'and' });
  if (filter.kind !== 'and') return;
  t.like(filter.filters[0], { kind: 'equal', attribute: 'objectClass' });
  t.like(filter.filters[1], { kind: 'substrings', attribute: 'sAMAccountName', any: [] });
  t.like(filter.filters[2], { kind: 'not', filter: { kind: 'extensible', rule, attribute: 'userAccountControl', dnAttributes: false } });
});

test('GUIDs and SIDs in the byte order Windows uses', (t) => {
  t.is(hex(guidToBuffer(AdGuid.resetPassword)), '709529006d24d011a76800aa006e0529');
  t.is(guidFromBuffer(guidToBuffer(AdGuid.userClass)), AdGuid.userClass);
  t.is(hex(sidToBuffer('S-1-5-21-1-2-3-1105')), '010500000000000515000000010000000200000003000000510400' + '00');
  t.is(sidToString(sidToBuffer('S-1-1-0')), 'S-1-1-0');
});

test('security descriptor bytes: a plain ACE and an object ACE', (t) => {
  const plain = encodeSecurityDescriptor({ owner: 'S-1-5-18', group: 'S-1-5-18', protected: true, dacl: [{ allow: true, mask: AccessMask.genericRead, flags: 0, sid: 'S-1-1-0' }] }, 4);
  t.is(hex(plain), ['01000494', '00000000', '00000000', '00000000', '14000000', '02001c0001000000', '00001400', '94000200', '010100000000000100000000'].join(''));
  const object = encodeSecurityDescriptor(
    {
      owner: 'S-1-5-18',
      group: 'S-1-5-18',
      protected: false,
      dacl: [{ allow: false, mask: AccessMask.controlAccess, flags: AceFlag.containerInherit | AceFlag.inheritOnly, objectType: AdGuid.resetPassword, sid: 'S-1-5-10' }],
    },
    4,
  );
  t.is(hex(object.subarray(20)), ['0400300001000000', '060a2800', '00010000', '01000000', '709529006d24d011a76800aa006e0529', '01010000000000050a000000'].join(''));
  t.is(object.readUInt16LE(2), 0x8404);
});

test('access check: deny before allow, inherit-only skipped, inherited object type honoured', (t) => {
  const sid = 'S-1-5-21-9-9-9-1105';
  const ou = [{ allow: true, mask: AccessMask.controlAccess, flags: AceFlag.containerInherit | AceFlag.inheritOnly, objectType: AdGuid.resetPassword, inheritedObjectType: AdGuid.userClass, sid }];
  const ouDacl = effectiveDacl(null, { explicit: ou, protected: false, classGuids: new Set([AdGuid.organizationalUnitClass]) });
  const token = new Set([sid]);
  const reset = { mask: AccessMask.controlAccess, objectType: AdGuid.resetPassword };
  t.false(accessGranted(ouDacl, token, reset));
  const userDacl = effectiveDacl(ouDacl, { explicit: [], protected: false, classGuids: new Set([AdGuid.userClass]) });
  t.true(accessGranted(userDacl, token, reset));
  t.false(accessGranted(userDacl, token, { mask: AccessMask.controlAccess, objectType: AdGuid.changePassword }));
  const groupDacl = effectiveDacl(ouDacl, { explicit: [], protected: false, classGuids: new Set([AdGuid.groupClass]) });
  t.false(accessGranted(groupDacl, token, reset));
  const denied = effectiveDacl(ouDacl, { explicit: [{ allow: false, mask: AccessMask.controlAccess, flags: 0, sid }], protected: false, classGuids: new Set([AdGuid.userClass]) });
  t.false(accessGranted(denied, token, reset));
  const isolated = effectiveDacl(ouDacl, { explicit: [], protected: true, classGuids: new Set([AdGuid.userClass]) });
  t.false(accessGranted(isolated, token, reset));
});
