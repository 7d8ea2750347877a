import test from 'ava';
import { grantCommand, grantSddl } from '../../../../../agent/directory/ad/permissions/permission-fixes.js';
import { flavorOf } from '../../../../../agent/directory/ad/permissions/dc-info.js';
import { dnsDomainOf } from '../../../../../agent/directory/ad/permissions/agent-token.js';

const trustee = { sid: 'S-1-5-21-1-2-3-1105', principal: 'svc-writeback@corp.example' };

test('dsacls commands for Windows: inheritable to users on the OU, plain on the domain root', (t) => {
  t.is(grantCommand('windows', 'resetPassword', 'OU=Staff,DC=corp,DC=example', trustee), 'dsacls "OU=Staff,DC=corp,DC=example" /I:S /G "svc-writeback@corp.example:CA;Reset Password;user"');
  t.is(grantCommand('windows', 'writePwdLastSet', 'OU=Staff,DC=corp,DC=example', trustee), 'dsacls "OU=Staff,DC=corp,DC=example" /I:S /G "svc-writeback@corp.example:RPWP;pwdLastSet;user"');
  t.is(grantCommand('windows', 'writeLockoutTime', 'OU=Staff,DC=corp,DC=example', trustee), 'dsacls "OU=Staff,DC=corp,DC=example" /I:S /G "svc-writeback@corp.example:RPWP;lockoutTime;user"');
  t.is(grantCommand('windows', 'unexpirePassword', 'DC=corp,DC=example', trustee), 'dsacls "DC=corp,DC=example" /G "svc-writeback@corp.example:CA;Unexpire Password"');
});

test("samba-tool dsacl set commands, with the SDDL of DIRECTORY-FACTS.md's working delegation", (t) => {
  t.is(grantSddl('resetPassword', trustee), '(OA;CIIO;CR;00299570-246d-11d0-a768-00aa006e0529;bf967aba-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1105)');
  t.is(grantSddl('unexpirePassword', trustee), '(OA;;CR;ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501;;S-1-5-21-1-2-3-1105)');
  t.is(
    grantCommand('samba', 'writeLockoutTime', "OU=O'Brien Staff,DC=corp,DC=example", trustee),
    `samba-tool dsacl set --objectdn='OU=O'\\''Brien Staff,DC=corp,DC=example' --sddl='(OA;CIIO;RPWP;28630ebf-41d5-11d1-a9c1-0000f80367c1;bf967aba-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1105)'`,
  );
});

test('Samba is told from its rootDSE vendorName; anything else is Windows', (t) => {
  t.is(flavorOf('Samba Team (https://www.samba.org)'), 'samba');
  t.is(flavorOf(null), 'windows');
  t.is(dnsDomainOf('DC=corp, DC=Example'), 'corp.Example');
});
