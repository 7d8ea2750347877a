import test from 'ava';
import { BerWriter } from 'ldapts';
import { PolicyHintsControl, SdFlagsControl } from '../../../../agent/directory/ad/controls.js';
import { adIntervalToMs, dateToFileTime, fileTimeToDate } from '../../../../agent/directory/ad/filetime.js';
import { guidFromBytes, guidToBytes } from '../../../../agent/directory/ad/object-guid.js';
import { privilegedGroupName } from '../../../../agent/directory/ad/protected-account.js';
import { domainRid, sidFromBytes } from '../../../../agent/directory/ad/sid.js';
import { encodeUnicodePwd } from '../../../../agent/directory/ad/unicode-pwd.js';
import { Oid } from '../../../../ldap-constants/oids.js';

test('unicodePwd is the quoted password in UTF-16LE', (t) => {
  t.deepEqual(encodeUnicodePwd('Ab1é'), Buffer.from([0x22, 0, 0x41, 0, 0x62, 0, 0x31, 0, 0xe9, 0, 0x22, 0]));
});

test('FILETIME: known instants, 0 and "never" are null', (t) => {
  t.is(fileTimeToDate('116444736000000000')?.toISOString(), '1970-01-01T00:00:00.000Z');
  t.is(fileTimeToDate('134397708129030600')?.toISOString(), '2026-11-21T21:40:12.903Z');
  t.is(fileTimeToDate('0'), null);
  t.is(fileTimeToDate('9223372036854775807'), null);
  t.is(fileTimeToDate('garbage'), null);
  t.is(dateToFileTime(new Date('1970-01-01T00:00:00.000Z')), 116444736000000000n);
});

test('AD intervals: negative 100-ns counts to ms; none and never are 0', (t) => {
  t.is(adIntervalToMs('-864000000000'), 86_400_000);
  t.is(adIntervalToMs('-18000000000'), 1_800_000);
  t.is(adIntervalToMs('0'), 0);
  t.is(adIntervalToMs('-9223372036854775808'), 0);
});

test('objectGUID: bytes to the mixed-endian canonical form and back', (t) => {
  const bytes = Buffer.from('f991ac255592ff4c8979f4ce0df09853', 'hex');
  t.is(guidFromBytes(bytes), '25ac91f9-9255-4cff-8979-f4ce0df09853');
  t.deepEqual(guidToBytes('{25AC91F9-9255-4CFF-8979-F4CE0DF09853}'), bytes);
  t.is(guidToBytes('25ac91f9-9255-4cff-8979-f4ce0df0985'), null);
  t.is(guidToBytes('*'), null);
});

test('SIDs from bytes; privileged groups by SID and RID, not by name', (t) => {
  const builtinUsers = Buffer.from('AQIAAAAAAAUgAAAAIQIAAA==', 'base64');
  t.is(sidFromBytes(builtinUsers), 'S-1-5-32-545');
  const domainUsers = Buffer.from('AQUAAAAAAAUVAAAAJJzYmzU1z78YK2vlAQIAAA==', 'base64');
  t.is(sidFromBytes(domainUsers), 'S-1-5-21-2614664228-3218027829-3849005848-513');
  t.is(domainRid('S-1-5-21-1-2-3-512'), 512);
  t.is(privilegedGroupName('S-1-5-21-1-2-3-512'), 'Domain Admins');
  t.is(privilegedGroupName('S-1-5-21-9-9-9-519'), 'Enterprise Admins');
  t.is(privilegedGroupName('S-1-5-32-548'), 'Account Operators');
  t.is(privilegedGroupName('S-1-5-32-545'), null);
  t.is(privilegedGroupName('S-1-5-21-1-2-3-513'), null);
  t.is(privilegedGroupName('S-1-5-21-1-2-3-1512'), null);
});

function controlBytes(control: PolicyHintsControl | SdFlagsControl): string {
  const writer = new BerWriter();
  control.write(writer);
  return writer.buffer.toString('hex');
}

test('policy hints and SD flags controls carry SEQUENCE { INTEGER } values, critical', (t) => {
  const oid = Buffer.from(Oid.policyHints).toString('hex');
  // SEQUENCE { OID, BOOLEAN TRUE, OCTET STRING { 30 03 02 01 01 } }
  t.is(controlBytes(new PolicyHintsControl(Oid.policyHints)), `30${(2 + Oid.policyHints.length + 3 + 7).toString(16)}04${Oid.policyHints.length.toString(16)}${oid}0101ff04053003020101`);
  t.true(controlBytes(new SdFlagsControl()).endsWith('04053003020104'));
});
