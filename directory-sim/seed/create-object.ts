import { randomUUID } from 'node:crypto';
import { AdGuid } from '../../ldap-constants/ad-guids.js';
import { filetimeFromMs, generalizedTime, neverExpires } from '../ad/filetime.js';
import { guidToBuffer } from '../ad/guid.js';
import { hashPassword } from '../ad/password-hash.js';
import { attributeDefinition } from '../ad/schema.js';
import type { Ace, SecurityDescriptor } from '../ad/security-descriptor.js';
import { parseSddlAce, parseSddlDacl } from '../ad/sddl.js';
import { DomainRid, sidToBuffer } from '../ad/sid.js';
import type { SimDirectory } from '../ad/sim-directory.js';
import { UserAccountControl } from '../ad/user-account-control.js';
import { AttributeSyntax } from '../ad/attribute-syntax.js';
import { parseDn } from '../store/dn.js';
import type { AttributeValue, Entry } from '../store/entry.js';
import type { SeedObject } from './seed-types.js';

/** sAMAccountType values (MS-ADTS 2.2.17). */
const SamAccountType = { normalUser: 805306368, group: 268435456 } as const;
/** groupType of a global security group. */
const globalSecurityGroup = -2147483646;

/** The explicit DACL each class gets from its schema defaultSecurityDescriptor (reduced to what matters here). */
function defaultAces(objectClasses: readonly string[], domainSid: string): Ace[] {
  const cacheKey = `${domainSid}|${objectClasses.join(',')}`;
  let aces = defaultAceCache.get(cacheKey);
  if (!aces) defaultAceCache.set(cacheKey, (aces = buildDefaultAces(objectClasses, domainSid)));
  return [...aces];
}

/** Parsing SDDL for each of 100,000 bulk users would dominate seeding time. */
const defaultAceCache = new Map<string, Ace[]>();

function buildDefaultAces(objectClasses: readonly string[], domainSid: string): Ace[] {
  if (objectClasses.includes('user')) {
    return [`(OA;;CR;${AdGuid.changePassword};;WD)`, `(OA;;CR;${AdGuid.changePassword};;PS)`, '(A;;RPLCLORC;;;PS)', '(A;;RPLCLORC;;;AU)', '(A;;GA;;;DA)', '(A;;GA;;;AO)', '(A;;GA;;;SY)'].map((ace) =>
      parseSddlAce(ace, domainSid),
    );
  }
  if (objectClasses.includes('group')) return ['(A;;RPLCLORC;;;AU)', '(A;;GA;;;DA)', '(A;;GA;;;SY)'].map((ace) => parseSddlAce(ace, domainSid));
  return [];
}

function toValues(value: SeedObject['attributes'][string]): AttributeValue[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (typeof item === 'number' ? String(item) : Buffer.isBuffer(item) ? item : typeof item === 'string' ? item : Buffer.from(item.base64, 'base64')));
}

/**
 * Creates one object the way a DC would: fills objectGUID, objectSid (accounts and groups),
 * whenCreated, name, objectCategory, sAMAccountType and the account defaults, then stores it.
 */
export function createObject(directory: SimDirectory, seed: SeedObject, options: { passwordHash?: string } = {}): Entry {
  const { store, domain } = directory;
  const now = directory.clock();
  const attributes: Record<string, readonly AttributeValue[]> = {};
  const present = new Set<string>();
  for (const [name, value] of Object.entries(seed.attributes)) {
    const definition = attributeDefinition(name);
    const binary = definition.syntax === AttributeSyntax.binary || definition.syntax === AttributeSyntax.sid;
    const values = toValues(value).map((item): AttributeValue => {
      if (!binary) return typeof item === 'string' ? item : item.toString('utf8');
      if (typeof item !== 'string') return item;
      return definition.syntax === AttributeSyntax.sid && item.startsWith('S-1-') ? sidToBuffer(item) : Buffer.from(item, 'base64');
    });
    attributes[definition.name.toLowerCase() === name.toLowerCase() ? definition.name : name] = values;
    present.add(name.toLowerCase());
  }
  const classes = (attributes.objectClass ?? []).map((value) => value.toString().toLowerCase());
  const isUser = classes.includes('user');
  const isGroup = classes.includes('group');
  const passwordHash = options.passwordHash ?? (seed.password === undefined ? undefined : hashPassword(seed.password));
  const setDefault = (name: string, values: readonly AttributeValue[]): void => {
    const lower = name.toLowerCase();
    if (present.has(lower)) return;
    attributes[name] = values;
    present.add(lower);
  };
  const rdn = parseDn(seed.dn)[0]?.[0];
  if (rdn) {
    setDefault(rdn.type, [rdn.value]);
    setDefault('name', attributes[rdn.type] ?? [rdn.value]);
  }
  setDefault('objectGUID', [guidToBuffer(randomUUID())]);
  setDefault('whenCreated', shared([generalizedTime(now)]));
  setDefault('whenChanged', shared([generalizedTime(now)]));
  setDefault('instanceType', shared(['4']));
  const category = isUser ? 'Person' : isGroup ? 'Group' : classes.includes('organizationalunit') ? 'Organizational-Unit' : classes.includes('domaindns') ? 'Domain-DNS' : 'Container';
  setDefault('objectCategory', shared([`CN=${category},CN=Schema,CN=Configuration,${domain.baseDn}`]));
  if (isUser || isGroup) {
    const existingSid = attributes.objectSid?.[0];
    if (existingSid === undefined) attributes.objectSid = [sidToBuffer(`${domain.sid}-${directory.allocateRid()}`)];
    else if (Buffer.isBuffer(existingSid)) directory.reserveRid(existingSid.readUInt32LE(existingSid.length - 4));
  }
  if (isUser) {
    setDefault('userAccountControl', shared([String(UserAccountControl.normalAccount)]));
    setDefault('sAMAccountType', shared([String(SamAccountType.normalUser)]));
    setDefault('primaryGroupID', shared([String(DomainRid.domainUsers)]));
    setDefault('accountExpires', shared([neverExpires.toString()]));
    setDefault('badPwdCount', shared(['0']));
    setDefault('pwdLastSet', shared([passwordHash === undefined ? '0' : filetimeFromMs(now).toString()]));
  }
  if (isGroup) {
    setDefault('groupType', shared([String(globalSecurityGroup)]));
    setDefault('sAMAccountType', shared([String(SamAccountType.group)]));
  }
  const explicit = seed.sddl === undefined ? { protected: false, aces: defaultAces(classes, domain.sid) } : parseSddlDacl(seed.sddl, domain.sid);
  const security: SecurityDescriptor = {
    owner: `${domain.sid}-${DomainRid.domainAdmins}`,
    group: `${domain.sid}-${DomainRid.domainAdmins}`,
    dacl: explicit.aces,
    protected: explicit.protected,
  };
  const secret = isUser ? { current: passwordHash, history: [] } : undefined;
  return store.add(seed.dn, attributes, security, secret);
}

/**
 * One array per distinct default value, shared by every entry that has it (value arrays are
 * replaced, never changed in place): 100,000 users then cost one array, not 100,000.
 */
function shared(values: readonly string[]): readonly AttributeValue[] {
  const key = values.join('\0');
  let array = sharedValues.get(key);
  if (!array) {
    if (sharedValues.size > 1000) sharedValues.clear();
    sharedValues.set(key, (array = Object.freeze([...values])));
  }
  return array;
}

const sharedValues = new Map<string, readonly AttributeValue[]>();
