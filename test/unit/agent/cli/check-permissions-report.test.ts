import test from 'ava';
import { outOfScopeCheck, reportText } from '../../../../agent/cli/commands/check-permissions.js';
import { tlsCheck } from '../../../../agent/directory/ad/permissions/tls-check.js';
import type { DirectoryConfig } from '../../../../agent/directory/directory-config.js';

test('a fix shared by several checks is printed once, the later checks pointing at it', (t) => {
  const fix = 'ldapmodify -Y EXTERNAL -H ldapi:/// <<EOF\nolcAccess: {0}to attrs=userPassword by dn.exact="cn=agent" =wm\nEOF';
  const text = reportText({
    directory: 'ldap',
    checks: [
      { name: 'resetPassword', status: 'MISSING', required: true, detail: 'no write', fix },
      { name: 'passwordAdministrator', status: 'WARN', required: false, detail: 'write, not manage', fix },
    ],
  });
  t.is(text.split('olcAccess').length - 1, 1, text);
  t.regex(text, /^ {8}fix: the same as for resetPassword above$/m);
});

test('a user outside scope is a required MISSING that proposes no ACL; an excluded one gets no fix at all', (t) => {
  const outside = outOfScopeCheck('uid=carol,ou=staff,dc=example,dc=org', 'the account is outside every subtree in scope.include');
  t.is(outside.status, 'MISSING');
  t.regex(outside.detail, /the agent refuses every command for this user whatever the directory allows \(no ACL change would help\)/);
  t.regex(outside.fix ?? '', /^only if the agent should serve this user: add its subtree to scope\.include/);
  t.is(outOfScopeCheck('uid=root,ou=admins,dc=example,dc=org', 'the account is under an excluded subtree (ou=admins,dc=example,dc=org)').fix, undefined);
});

test('the TLS fix talks about an LDAP server for OpenLDAP and a DC for Active Directory', async (t) => {
  const base = { id: 'x', urls: ['ldaps://127.0.0.1:9'], tls: { caFile: null, startTls: false }, timeoutMs: 500 } as unknown as DirectoryConfig;
  const openldap = await tlsCheck({ ...base, kind: 'openldap' }, new Date());
  t.is(openldap.status, 'MISSING');
  t.regex(openldap.fix ?? '', /^renew the LDAP server certificate/);
  t.false(/\bDC\b/.test(`${openldap.detail} ${openldap.fix ?? ''}`));
  t.regex((await tlsCheck({ ...base, kind: 'activeDirectory' }, new Date())).fix ?? '', /^renew the DC certificate/);
});
