import { AdGuid } from '../../ldap-constants/ad-guids.js';
import type { OpLog } from '../op-log.js';
import type { DirectoryStore } from '../store/directory-store.js';
import type { Entry } from '../store/entry.js';
import { accessGranted, type AccessRequest } from './access-check.js';
import { AccessMask } from './access-mask.js';
import type { DomainInfo } from './domain-info.js';
import { effectiveDacl } from './effective-dacl.js';
import { ErrorTexts } from './error-texts.js';
import { normalizeValue } from '../store/normalize-value.js';
import { readDomainPolicy, readPsoPolicy, type DomainPolicy } from './password-policy.js';
import { attributeDefinition, writableCandidates } from './schema.js';
import type { Ace } from './security-descriptor.js';
import { DomainRid, sidToString, WellKnownSid } from './sid.js';
import type { SimMode } from './sim-mode.js';

/** The bound identity of a connection; anonymous when entry is undefined. */
export interface Identity {
  entry: Entry | undefined;
}

/** Where fine-grained password policies live, relative to the base DN. */
export const passwordSettingsContainer = 'CN=Password Settings Container,CN=System';

const classGuidByName: Record<string, string> = {
  user: AdGuid.userClass,
  group: AdGuid.groupClass,
  organizationalunit: AdGuid.organizationalUnitClass,
  container: AdGuid.containerClass,
  domaindns: AdGuid.domainDnsClass,
  computer: AdGuid.computerClass,
};

/** The AD semantics around the store: domain, policy, tokens, DACLs and access checks. */
export class SimDirectory {
  readonly texts: ErrorTexts;
  /** Next relative id for objectSid of new accounts and groups. */
  private nextRid = 1100;

  constructor(
    readonly store: DirectoryStore,
    readonly domain: DomainInfo,
    readonly mode: SimMode,
    readonly clock: () => number,
    readonly opLog: OpLog,
  ) {
    this.texts = new ErrorTexts(mode);
  }

  allocateRid(): number {
    return this.nextRid++;
  }

  /** Keeps allocation above RIDs given explicitly by a seed. */
  reserveRid(rid: number): void {
    if (rid >= this.nextRid) this.nextRid = rid + 1;
  }

  domainRoot(): Entry {
    const root = this.store.get(this.domain.baseDn);
    if (!root) throw new Error('directory-sim: the domain root entry is missing');
    return root;
  }

  /** The domain-wide policy on the domain root. */
  domainPolicy(): DomainPolicy {
    return readDomainPolicy(this.store, this.domainRoot());
  }

  /** The policy in force for one account: its resultant PSO, else the domain's. */
  policyFor(entry: Entry): DomainPolicy {
    const pso = this.resultantPso(entry);
    return pso ? readPsoPolicy(this.store, pso) : this.domainPolicy();
  }

  /**
   * msDS-ResultantPSO: among the PSOs linked to the account itself the lowest precedence wins;
   * only without any, the lowest among those linked to its groups (transitively).
   */
  resultantPso(entry: Entry): Entry | undefined {
    const container = this.store.get(`${passwordSettingsContainer},${this.domain.baseDn}`);
    if (!container) return undefined;
    const psos = this.store.children(container.key);
    if (psos.length === 0) return undefined;
    const groupKeys = new Set(this.groupEntries(entry).map((group) => group.key));
    const precedence = (pso: Entry): number => Number(this.store.values(pso, 'msDS-PasswordSettingsPrecedence')[0] ?? Number.MAX_SAFE_INTEGER);
    const targets = (pso: Entry): string[] => this.store.values(pso, 'msDS-PSOAppliesTo').map((dn) => normalizeValue('distinguishedName', dn));
    const lowest = (list: Entry[]): Entry | undefined => list.sort((a, b) => precedence(a) - precedence(b))[0];
    return lowest(psos.filter((pso) => targets(pso).includes(entry.key))) ?? lowest(psos.filter((pso) => targets(pso).some((key) => groupKeys.has(key))));
  }

  /** The groups the account is in, transitively. */
  groupEntries(entry: Entry): Entry[] {
    const seen = new Map<string, Entry>();
    const queue = [entry];
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const groupDn of this.store.values(current, 'memberOf')) {
        const group = this.store.get(groupDn.toString());
        if (!group || seen.has(group.key)) continue;
        seen.set(group.key, group);
        queue.push(group);
      }
    }
    return [...seen.values()];
  }

  objectSid(entry: Entry): string | undefined {
    const value = this.store.values(entry, 'objectSid')[0];
    return value === undefined ? undefined : typeof value === 'string' ? value : sidToString(value);
  }

  /** SIDs of the groups the account is in, transitively, with its primary group: tokenGroups. */
  tokenGroups(entry: Entry): string[] {
    const sids = new Set<string>();
    const primary = this.store.values(entry, 'primaryGroupID')[0];
    if (primary !== undefined) sids.add(`${this.domain.sid}-${primary.toString()}`);
    else if (this.objectSid(entry) !== undefined) sids.add(`${this.domain.sid}-${DomainRid.domainUsers}`);
    for (const group of this.groupEntries(entry)) {
      const sid = this.objectSid(group);
      if (sid) sids.add(sid);
    }
    return [...sids];
  }

  /** The SIDs an access check uses for this identity against `target` (SELF when it is the target). */
  token(identity: Identity, target?: Entry): Set<string> {
    const sids = new Set<string>([WellKnownSid.everyone]);
    if (!identity.entry) return sids;
    sids.add(WellKnownSid.authenticatedUsers);
    const own = this.objectSid(identity.entry);
    if (own) sids.add(own);
    for (const sid of this.tokenGroups(identity.entry)) sids.add(sid);
    if (target && target.key === identity.entry.key) sids.add(WellKnownSid.self);
    return sids;
  }

  classGuids(entry: Entry): Set<string> {
    const guids = new Set<string>();
    for (const value of this.store.values(entry, 'objectClass')) {
      const guid = classGuidByName[value.toString().toLowerCase()];
      if (guid) guids.add(guid);
    }
    return guids;
  }

  /** The full DACL of an entry: explicit ACEs and those inherited down from the naming context. */
  dacl(entry: Entry): Ace[] {
    let dacl: Ace[] | null = null;
    for (const node of this.store.pathTo(entry)) {
      dacl = effectiveDacl(dacl, { explicit: node.security.dacl, protected: node.security.protected, classGuids: this.classGuids(node) });
    }
    return dacl ?? [];
  }

  check(identity: Identity, target: Entry, request: AccessRequest): boolean {
    return accessGranted(this.dacl(target), this.token(identity, target), request);
  }

  canControlAccess(identity: Identity, target: Entry, right: string): boolean {
    return this.check(identity, target, { mask: AccessMask.controlAccess, objectType: right });
  }

  canWriteProperty(identity: Identity, target: Entry, attribute: string): boolean {
    const { guid } = attributeDefinition(attribute);
    return this.check(identity, target, guid === undefined ? { mask: AccessMask.writeProperty } : { mask: AccessMask.writeProperty, objectType: guid });
  }

  /** allowedAttributesEffective: the attributes this identity may write on the target. */
  allowedAttributesEffective(identity: Identity, target: Entry): string[] {
    if (!identity.entry) return [];
    const dacl = this.dacl(target);
    const token = this.token(identity, target);
    return writableCandidates()
      .filter((definition) => accessGranted(dacl, token, definition.guid === undefined ? { mask: AccessMask.writeProperty } : { mask: AccessMask.writeProperty, objectType: definition.guid }))
      .map((definition) => definition.name);
  }

  /** sDRightsEffective: which parts of the security descriptor the identity may write. */
  sdRightsEffective(identity: Identity, target: Entry): number {
    const dacl = this.dacl(target);
    const token = this.token(identity, target);
    let value = 0;
    if (accessGranted(dacl, token, { mask: AccessMask.writeOwner })) value |= 0x1 | 0x2;
    if (accessGranted(dacl, token, { mask: AccessMask.writeDac })) value |= 0x4;
    return value;
  }
}
