import { AdGuid } from '../../../../ldap-constants/ad-guids.js';
import { REQUIRED_RIGHTS, type RequiredRightName } from './required-rights.js';

/** Which tools the admin has: Windows (dsacls) or a Samba DC (samba-tool). */
export type DirectoryFlavor = 'windows' | 'samba';

/** Who gets the rights, in the forms each tool takes. */
export interface Trustee {
  /** S-1-5-21-...: what SDDL names. */
  sid: string;
  /** user@dns.domain or DOMAIN\user: what dsacls takes. */
  principal: string;
}

/** A value inside single quotes for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A value inside double quotes for cmd.exe / PowerShell (a double quote is doubled). */
function cmdQuote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** The object ACE granting `right` to `trustee`, inheritable by users when it goes on an OU. */
export function grantSddl(right: RequiredRightName, trustee: Trustee): string {
  const spec = REQUIRED_RIGHTS[right];
  const objectType = spec.request.objectType;
  return spec.on === 'user' ? `(OA;CIIO;${spec.sddlRights};${objectType};${AdGuid.userClass};${trustee.sid})` : `(OA;;${spec.sddlRights};${objectType};;${trustee.sid})`;
}

/**
 * The command an admin pastes to grant `right` on `objectDn` (an OU in scope, or the domain root
 * for Unexpire Password): dsacls on Windows, `samba-tool dsacl set` on a Samba DC (run on the DC
 * as root, or add `-H ldap://dc -U Administrator`).
 */
export function grantCommand(flavor: DirectoryFlavor, right: RequiredRightName, objectDn: string, trustee: Trustee): string {
  const spec = REQUIRED_RIGHTS[right];
  if (flavor === 'samba') return `samba-tool dsacl set --objectdn=${shellQuote(objectDn)} --sddl=${shellQuote(grantSddl(right, trustee))}`;
  return spec.on === 'user'
    ? `dsacls ${cmdQuote(objectDn)} /I:S /G ${cmdQuote(`${trustee.principal}:${spec.dsacls};user`)}`
    : `dsacls ${cmdQuote(objectDn)} /G ${cmdQuote(`${trustee.principal}:${spec.dsacls}`)}`;
}

/** Turning inheritance back on for one object (its delegated rights then reach it again). */
export function enableInheritanceCommand(flavor: DirectoryFlavor, objectDn: string): string {
  if (flavor === 'samba') return `re-enable inheritance on ${objectDn} (Samba 4.17 has no samba-tool command for it: use ADUC or PowerShell's Set-Acl from a Windows client)`;
  return `dsacls ${cmdQuote(objectDn)} /P:N`;
}

/**
 * The command that lets `trustee` read one attribute of every user under `objectDn` (an OU in
 * scope): `RP` for the attribute's schemaIDGUID, inherited by users.
 */
export function grantReadCommand(flavor: DirectoryFlavor, objectDn: string, attribute: { name: string; guid: string }, trustee: Trustee): string {
  if (flavor === 'samba') return `samba-tool dsacl set --objectdn=${shellQuote(objectDn)} --sddl=${shellQuote(`(OA;CIIO;RP;${attribute.guid};${AdGuid.userClass};${trustee.sid})`)}`;
  return `dsacls ${cmdQuote(objectDn)} /I:S /G ${cmdQuote(`${trustee.principal}:RP;${attribute.name};user`)}`;
}
