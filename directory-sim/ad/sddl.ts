import { AceFlag } from '../../ldap-constants/ad-access-mask.js';
import { AccessMask } from './access-mask.js';
import type { Ace } from './security-descriptor.js';
import { DomainRid, WellKnownSid } from './sid.js';

/** SDDL right abbreviations (MS-DTYP 2.5.1.1), generic rights as AD maps them. */
const rightCodes: Record<string, number> = {
  GA: AccessMask.fullControl,
  GR: AccessMask.genericRead,
  CC: AccessMask.createChild,
  DC: AccessMask.deleteChild,
  LC: AccessMask.listChildren,
  SW: AccessMask.self,
  RP: AccessMask.readProperty,
  WP: AccessMask.writeProperty,
  DT: AccessMask.deleteTree,
  LO: AccessMask.listObject,
  CR: AccessMask.controlAccess,
  SD: AccessMask.delete,
  RC: AccessMask.readControl,
  WD: AccessMask.writeDac,
  WO: AccessMask.writeOwner,
};

const flagCodes: Record<string, number> = {
  OI: AceFlag.objectInherit,
  CI: AceFlag.containerInherit,
  NP: AceFlag.noPropagateInherit,
  IO: AceFlag.inheritOnly,
  ID: AceFlag.inherited,
};

/** SID aliases; domain-relative ones need the domain SID. */
function resolveSid(alias: string, domainSid: string): string {
  const fixed: Record<string, string> = {
    WD: WellKnownSid.everyone,
    PS: WellKnownSid.self,
    AU: WellKnownSid.authenticatedUsers,
    SY: WellKnownSid.system,
    BA: WellKnownSid.administrators,
    AO: WellKnownSid.accountOperators,
    DA: `${domainSid}-${DomainRid.domainAdmins}`,
    DU: `${domainSid}-${DomainRid.domainUsers}`,
    EA: `${domainSid}-${DomainRid.enterpriseAdmins}`,
    LA: `${domainSid}-${DomainRid.administrator}`,
  };
  const sid = fixed[alias] ?? alias;
  if (!/^S-1-\d+(-\d+)*$/.test(sid)) throw new Error(`SDDL: unknown SID ${alias}`);
  return sid;
}

function pairs(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < text.length; i += 2) out.push(text.slice(i, i + 2));
  return out;
}

/** One ACE string such as (OA;CIIO;CR;00299570-...;bf967aba-...;S-1-5-21-...-1105). */
export function parseSddlAce(text: string, domainSid: string): Ace {
  const fields = text.replace(/^\(|\)$/g, '').split(';');
  if (fields.length !== 6) throw new Error(`SDDL: malformed ACE ${text}`);
  const [type, flags, rights, objectType, inheritedObjectType, sid] = fields as [string, string, string, string, string, string];
  if (!['A', 'D', 'OA', 'OD'].includes(type)) throw new Error(`SDDL: unsupported ACE type ${type}`);
  const mask = rights.startsWith('0x')
    ? Number.parseInt(rights, 16)
    : pairs(rights).reduce((sum, code) => {
        const bits = rightCodes[code];
        if (bits === undefined) throw new Error(`SDDL: unknown right ${code}`);
        return sum | bits;
      }, 0);
  const ace: Ace = {
    allow: type === 'A' || type === 'OA',
    mask,
    flags: pairs(flags).reduce((sum, code) => sum | (flagCodes[code] ?? 0), 0),
    sid: resolveSid(sid, domainSid),
  };
  if (objectType) ace.objectType = objectType.toLowerCase();
  if (inheritedObjectType) ace.inheritedObjectType = inheritedObjectType.toLowerCase();
  return ace;
}

/** The DACL part of an SDDL string ("D:P(A;...)(OA;...)"): its ACEs and whether it is protected. */
export function parseSddlDacl(sddl: string, domainSid: string): { protected: boolean; aces: Ace[] } {
  const match = /D:([A-Z]*)((?:\([^)]*\))*)/.exec(sddl);
  if (!match) throw new Error('SDDL: no DACL');
  const aces = (match[2] ?? '').match(/\([^)]*\)/g) ?? [];
  return { protected: (match[1] ?? '').includes('P'), aces: aces.map((ace) => parseSddlAce(ace, domainSid)) };
}
