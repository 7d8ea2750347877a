import type { AclRule, WindowsAcl } from '../../../../agent/state/windows-acl-judge.js';

/** SIDs and ACLs shaped as the Windows ACL query reports them (windows-acl-check.ts), for the unit tests. */

export const ME = 'S-1-5-21-1004336348-1177238915-682003330-1001';
export const SYSTEM = 'S-1-5-18';
export const ADMINS = 'S-1-5-32-544';
export const USERS = 'S-1-5-32-545';
export const EVERYONE = 'S-1-1-0';
export const AUTHENTICATED_USERS = 'S-1-5-11';
export const SERVICE_ACCOUNT = 'S-1-5-21-1004336348-1177238915-682003330-2604';

export const allow = (sid: string, inherited = false, rights = 'FullControl'): AclRule => ({ sid, rights, type: 'Allow', inherited });
export const deny = (sid: string): AclRule => ({ sid, rights: 'Write', type: 'Deny', inherited: false });
/** The ACL install-service's icacls leaves on the state directory. */
export const installed = (rules: AclRule[] = []): WindowsAcl => ({ owner: ADMINS, protected: true, me: ME, rules: [allow(ME), allow(SYSTEM), allow(ADMINS), ...rules] });

/** The report the query prints for `acls`, one JSON object a line, as PowerShell's ConvertTo-Json -Compress writes them. */
export function report(acls: WindowsAcl[]): string {
  const lines = acls.flatMap((acl, index) => [
    JSON.stringify({ kind: 'acl', index, owner: acl.owner, protected: acl.protected, me: acl.me }),
    ...acl.rules.map((rule) => JSON.stringify({ kind: 'rule', index, sid: rule.sid, rights: rule.rights, type: rule.type, inherited: rule.inherited })),
  ]);
  return `${[...lines, '{"kind":"end"}'].join('\r\n')}\r\n`;
}
