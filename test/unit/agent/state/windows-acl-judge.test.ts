import test from 'ava';
import { AclRequirement, aclProblem, parseAclReport, type WindowsAcl } from '../../../../agent/state/windows-acl-judge.js';
import { ADMINS, allow, AUTHENTICATED_USERS, deny, EVERYONE, installed, ME, report, SERVICE_ACCOUNT, SYSTEM, USERS } from './windows-acl-fixtures.js';

// Issue 24, item 7: the pure judgement of a Windows ACL, on reports shaped as the query prints them
// (no Windows machine here): only LocalSystem, Administrators and the agent's own account may be
// allowed in, the state directory's ACL is protected, and a report not read whole is refused.

const judged: { name: string; acl: WindowsAcl; requirement: AclRequirement; problem: RegExp | null }[] = [
  { name: 'the ACL install-service sets', acl: installed(), requirement: AclRequirement.protected, problem: null },
  { name: 'a Deny entry for anyone', acl: installed([deny(EVERYONE)]), requirement: AclRequirement.protected, problem: null },
  { name: 'owned by the agent account', acl: { ...installed(), owner: ME }, requirement: AclRequirement.protected, problem: null },
  { name: 'an inherited entry', acl: installed([allow(ADMINS, true)]), requirement: AclRequirement.protected, problem: /inherited entry for S-1-5-32-544/ },
  { name: 'inheritance not cut', acl: { ...installed(), protected: false }, requirement: AclRequirement.protected, problem: /inherits entries from its parent/ },
  {
    name: 'Users may read',
    acl: installed([allow(USERS, false, 'ReadAndExecute, Synchronize')]),
    requirement: AclRequirement.protected,
    problem: /allows ReadAndExecute, Synchronize to S-1-5-32-545/,
  },
  { name: 'Everyone has full control', acl: installed([allow(EVERYONE)]), requirement: AclRequirement.protected, problem: /allows FullControl to S-1-1-0/ },
  { name: 'Authenticated Users may modify', acl: installed([allow(AUTHENTICATED_USERS, false, 'Modify')]), requirement: AclRequirement.protected, problem: /S-1-5-11/ },
  { name: 'another service account, seen by this one', acl: installed([allow(SERVICE_ACCOUNT)]), requirement: AclRequirement.protected, problem: new RegExp(SERVICE_ACCOUNT) },
  {
    name: 'the service account, seen by itself',
    acl: { ...installed([allow(SERVICE_ACCOUNT)]), me: SERVICE_ACCOUNT },
    requirement: AclRequirement.protected,
    problem: new RegExp(`allows FullControl to ${ME}`),
  },
  { name: 'owned by a user', acl: { ...installed(), owner: USERS }, requirement: AclRequirement.protected, problem: /owned by S-1-5-32-545/ },
  {
    name: 'a file inheriting the protected entries',
    acl: { owner: ME, protected: false, me: ME, rules: [allow(ME, true), allow(SYSTEM, true), allow(ADMINS, true)] },
    requirement: AclRequirement.trustedEntries,
    problem: null,
  },
  {
    name: 'a file that inherits Users',
    acl: { owner: ME, protected: false, me: ME, rules: [allow(ME, true), allow(USERS, true, 'Read')] },
    requirement: AclRequirement.trustedEntries,
    problem: /allows Read to S-1-5-32-545/,
  },
];

for (const { name, acl, requirement, problem } of judged) {
  test(`judge: ${name} is ${problem === null ? 'trusted' : 'refused'}`, (t) => {
    const found = aclProblem(acl, requirement);
    if (problem === null) t.is(found, null);
    else t.regex(found?.text ?? '', problem);
  });
}

test('parse: a report of two paths reads back as their ACLs', (t) => {
  const acls = [installed([deny(EVERYONE)]), { owner: ME, protected: false, me: ME, rules: [allow(ME, true)] }];
  t.deepEqual(parseAclReport(report(acls), 2), acls);
});

const unparseable: { name: string; stdout: string; message: RegExp }[] = [
  { name: 'empty output', stdout: '', message: /empty/ },
  { name: 'blank lines only', stdout: '\r\n\r\n', message: /empty/ },
  { name: 'not JSON', stdout: 'Get-Acl : Access is denied\r\n', message: /not JSON/ },
  { name: 'no end line (cut off)', stdout: report([installed()]).replace('{"kind":"end"}', ''), message: /stops before its end/ },
  { name: 'a path missing', stdout: report([installed()]), message: /1 of 2 paths/ },
  { name: 'an owner given as a name', stdout: report([{ ...installed(), owner: 'BUILTIN\\Administrators' }]), message: /owner is not a SID/ },
  { name: 'a trustee given as a name', stdout: report([installed([allow('Everyone')])]), message: /trustee is not a SID/ },
  { name: 'protected as text', stdout: report([installed()]).replace('"protected":true', '"protected":"True"'), message: /protected is not true or false/ },
  { name: 'an unknown rule type', stdout: report([installed()]).replace('"type":"Allow"', '"type":"Audit"'), message: /neither Allow nor Deny/ },
  { name: 'an array (PowerShell 5.1 wrapping)', stdout: '{"value":[],"Count":0}\r\n{"kind":"end"}', message: /no known kind/ },
  { name: 'lines after the end', stdout: `${report([installed()])}{"kind":"acl"}`, message: /goes on after its end/ },
  { name: 'a rule before any path', stdout: '{"kind":"rule","index":0,"sid":"S-1-5-18","rights":"FullControl","type":"Allow","inherited":false}\r\n{"kind":"end"}', message: /before its path/ },
];

for (const { name, stdout, message } of unparseable) {
  test(`parse: ${name} is refused`, (t) => {
    t.throws(() => parseAclReport(stdout, name === 'a path missing' ? 2 : 1), { message });
  });
}
