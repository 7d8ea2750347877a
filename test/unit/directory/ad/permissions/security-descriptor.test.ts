import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdGuid } from '../../../../../ldap-constants/ad-guids.js';
import { AceFlag, SdControl } from '../../../../../ldap-constants/ad-access-mask.js';
import { isDaclProtected, parseSecurityDescriptor } from '../../../../../agent/directory/ad/permissions/security-descriptor.js';

// Byte fixtures read from the real Samba DC (see test/fixtures/samba/descriptors/capture.ts), and
// expected.json: the same bytes decoded by Samba's own NDR code (expected.py), an independent oracle.
const DIR = fileURLToPath(new URL('../../../../fixtures/samba/descriptors/', import.meta.url));
const capture = JSON.parse(readFileSync(join(DIR, 'capture.json'), 'utf8')) as { domainSid: string; svcSid: string };
interface ExpectedAce {
  type: number;
  flags: number;
  mask: number;
  sid: string;
  objectType?: string;
  inheritedObjectType?: string;
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  {
    revision: number;
    control: number;
    owner: string | null;
    group: string | null;
    dacl: { revision: number; aces: ExpectedAce[] } | null;
  }
>;
const bytes = (name: string): Buffer => readFileSync(join(DIR, name));
const files = readdirSync(DIR)
  .filter((name) => name.endsWith('.bin'))
  .sort();

test('there are fixtures for the service account and for Administrator', (t) => {
  t.true(files.length >= 10);
  t.deepEqual(Object.keys(expected).sort(), files);
});

for (const file of files) {
  test(`${file}: control, owner, group and every ACE as Samba itself decodes them`, (t) => {
    const sd = parseSecurityDescriptor(bytes(file));
    const want = expected[file]!;
    t.is(sd.revision, want.revision);
    t.is(sd.control, want.control);
    t.is(sd.owner, want.owner);
    t.is(sd.group, want.group);
    t.is(sd.dacl?.revision ?? null, want.dacl?.revision ?? null);
    t.deepEqual(
      sd.dacl?.aces.map((ace) => ({
        type: ace.type,
        flags: ace.flags,
        mask: ace.mask,
        sid: ace.sid,
        ...(ace.objectType === null ? {} : { objectType: ace.objectType }),
        ...(ace.inheritedObjectType === null ? {} : { inheritedObjectType: ace.inheritedObjectType }),
      })),
      want.dacl?.aces,
    );
  });
}

test('read as the service account (SD flags 4): DACL only, no owner or group', (t) => {
  const sd = parseSecurityDescriptor(bytes('alice.svc-dacl.bin'));
  t.is(sd.owner, null);
  t.is(sd.group, null);
  t.is(sd.sacl, null);
  t.is(sd.control & SdControl.selfRelative, SdControl.selfRelative);
  t.false(isDaclProtected(sd));
});

test('read as Administrator (SD flags 7): Domain Admins own the user', (t) => {
  const sd = parseSecurityDescriptor(bytes('alice.admin-full.bin'));
  t.is(sd.owner, `${capture.domainSid}-512`);
  t.is(sd.group, `${capture.domainSid}-512`);
});

test('the OU holds the delegation as inherit-only object ACEs for users; the user holds them inherited', (t) => {
  const ou = parseSecurityDescriptor(bytes('managed-ou.svc-dacl.bin')).dacl!.aces.filter((ace) => ace.sid === capture.svcSid);
  t.deepEqual(
    ou.map((ace) => [ace.kind, ace.flags, ace.mask, ace.objectType, ace.inheritedObjectType]),
    [
      ['allow', AceFlag.containerInherit | AceFlag.inheritOnly, 0x100, AdGuid.resetPassword, AdGuid.userClass],
      ['allow', AceFlag.containerInherit | AceFlag.inheritOnly, 0x30, AdGuid.pwdLastSet, AdGuid.userClass],
      ['allow', AceFlag.containerInherit | AceFlag.inheritOnly, 0x30, AdGuid.lockoutTime, AdGuid.userClass],
    ],
  );
  const alice = parseSecurityDescriptor(bytes('alice.svc-dacl.bin')).dacl!.aces.filter((ace) => ace.sid === capture.svcSid);
  t.deepEqual(
    alice.map((ace) => ace.flags),
    [AceFlag.containerInherit | AceFlag.inherited, AceFlag.containerInherit | AceFlag.inherited, AceFlag.containerInherit | AceFlag.inherited],
  );
});

test('inheritance disabled: the DACL is protected, has no inherited ACE and none for the service account', (t) => {
  const sd = parseSecurityDescriptor(bytes('noinherit.svc-dacl.bin'));
  t.true(isDaclProtected(sd));
  t.false(sd.dacl!.aces.some((ace) => (ace.flags & AceFlag.inherited) !== 0));
  t.false(sd.dacl!.aces.some((ace) => ace.sid === capture.svcSid));
});

test('refuses what is not a self-relative descriptor, and never reads past the buffer', (t) => {
  const good = bytes('alice.svc-dacl.bin');
  t.throws(() => parseSecurityDescriptor(Buffer.alloc(10)), { instanceOf: RangeError, message: /truncated/ });
  const absolute = Buffer.from(good);
  absolute.writeUInt16LE(absolute.readUInt16LE(2) & ~SdControl.selfRelative, 2);
  t.throws(() => parseSecurityDescriptor(absolute), { message: /self-relative/ });
  const revision = Buffer.from(good);
  revision[0] = 2;
  t.throws(() => parseSecurityDescriptor(revision), { message: /revision/ });
  // Every truncation fails cleanly.
  for (let length = 0; length < good.length; length += 37) t.throws(() => parseSecurityDescriptor(good.subarray(0, length)), { instanceOf: RangeError });
  // An ACE that claims to be larger than its ACL.
  const daclOffset = good.readUInt32LE(16);
  const bigAce = Buffer.from(good);
  bigAce.writeUInt16LE(0xfff0, daclOffset + 8 + 2);
  t.throws(() => parseSecurityDescriptor(bigAce), { message: /impossible size/ });
  // A count larger than the ACEs present.
  const count = Buffer.from(good);
  count.writeUInt16LE(count.readUInt16LE(daclOffset + 4) + 1, daclOffset + 4);
  t.throws(() => parseSecurityDescriptor(count), { instanceOf: RangeError });
});
