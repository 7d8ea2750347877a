import { ConfigDefaults as D } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { dnSyntaxError, isDnWithin } from './dn-syntax.js';
import { arrayOf, boolean, integer, joinPath, object, optional, refine, string, type Parser } from './schema.js';

/**
 * `directories[].portal`: what a self-service portal (issue 19) may get from this directory. Every
 * feature is off by default; the directory's owner turns each on here, on the premises.
 */
export interface PortalConfig {
  /** Attributes `getContactInfo` may send for a user; [] = none leaves the premises. */
  contactAttributes: string[];
  /** Every user in scope may use the portal (else only members of `allowedGroups`). */
  allowEveryone: boolean;
  /** Members, direct or nested, of any of these groups may use the portal. */
  allowedGroups: string[];
  verifyPassword: {
    /** The `verifyPassword` op (a bind as the user, no write); off unless set. */
    enabled: boolean;
    /** Attempts per user within `windowSeconds` before BUSY; keep it below the directory's lockout threshold. */
    maxAttempts: number;
    windowSeconds: number;
  };
}

/** The portal settings of a directory whose config has none: everything off. */
export const PORTAL_OFF: Readonly<PortalConfig> = Object.freeze({
  contactAttributes: [],
  allowEveryone: false,
  allowedGroups: [],
  verifyPassword: { enabled: false, maxAttempts: D.portalVerifyMaxAttempts, windowSeconds: D.portalVerifyWindowSeconds },
});

/**
 * Attributes that hold credentials or key material: never sent, whatever the config says. Lower
 * case; AD and OpenLDAP names.
 */
export const SECRET_ATTRIBUTES = [
  'userpassword',
  'unicodepwd',
  'dbcspwd',
  'ntpwdhistory',
  'lmpwdhistory',
  'supplementalcredentials',
  'pwdhistory',
  'msds-keycredentiallink',
  'msds-managedpassword',
  'ms-mcs-admpwd',
  'mslaps-password',
  'mslaps-encryptedpassword',
  'mslaps-encryptedpasswordhistory',
  'mslaps-encrypteddsrmpassword',
  'mslaps-encrypteddsrmpasswordhistory',
  'unixuserpassword',
  'sambantpassword',
  'sambalmpassword',
  'sambapasswordhistory',
  'krbprincipalkey',
  'userpkcs12',
  'trustauthincoming',
  'trustauthoutgoing',
] as const;
const SECRET_ATTRIBUTE_SET: ReadonlySet<string> = new Set(SECRET_ATTRIBUTES);

/** At most this many contact attributes: a handful of addresses, not a directory export. */
export const MAX_CONTACT_ATTRIBUTES = 16;

const ATTRIBUTE_FIX = 'use attribute names such as "mail", "mobile" or "otherMailbox": letters, digits and "-", starting with a letter, no options';

/**
 * An attribute name as RFC 4512 writes a descriptor (keystring), up to 64 characters, without
 * options (";binary"), OIDs, "*" or "+", and never a credential attribute.
 */
const contactAttribute: Parser<string> = (value, path) => {
  const name = string()(value, path);
  if (!/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(name)) throw new ConfigError(path, 'not an attribute name', ATTRIBUTE_FIX);
  if (SECRET_ATTRIBUTE_SET.has(name.toLowerCase())) throw new ConfigError(path, `${name} holds credentials and is never sent`, 'remove it');
  return name;
};

const contactAttributes = refine(arrayOf(contactAttribute), (list, path) => {
  if (list.length > MAX_CONTACT_ATTRIBUTES) throw new ConfigError(path, `more than ${MAX_CONTACT_ATTRIBUTES} attributes`, 'name only the attributes that hold contact data');
  const seen = new Set<string>();
  list.forEach((name, index) => {
    if (seen.has(name.toLowerCase())) throw new ConfigError(joinPath(path, index), `${name} is listed twice`, 'list each attribute once');
    seen.add(name.toLowerCase());
  });
});

const groupDn: Parser<string> = (value, path) => {
  const text = string()(value, path);
  const problem = dnSyntaxError(text);
  if (problem !== null) throw new ConfigError(path, `not a valid DN: ${problem}`, 'write it as RFC 4514, e.g. CN=Portal Users,OU=Groups,DC=corp,DC=example');
  return text;
};

/** Group DNs (allowedGroups, selfServiceProtectedGroups); checkPortalConfig puts them below baseDn. */
export function groupDnList(): Parser<string[]> {
  return arrayOf(groupDn);
}

export const portalConfig: Parser<PortalConfig> = object({
  contactAttributes: optional(contactAttributes, []),
  allowEveryone: optional(boolean(), false),
  allowedGroups: optional(groupDnList(), []),
  verifyPassword: optional(
    object({
      enabled: optional(boolean(), false),
      maxAttempts: optional(integer({ min: 1, max: 100 }), D.portalVerifyMaxAttempts),
      windowSeconds: optional(integer({ min: 60, max: 86_400 }), D.portalVerifyWindowSeconds),
    }),
    PORTAL_OFF.verifyPassword,
  ),
});

/**
 * Cross-field rules of one directory's portal settings: groups lie below baseDn, and a portal
 * feature that is on has someone it may serve (else every request would be refused, silently).
 */
export function checkPortalConfig(portal: PortalConfig, selfServiceProtectedGroups: readonly string[], baseDn: string, path: string): void {
  const below = (list: readonly string[], at: string): void => {
    list.forEach((dn, index) => {
      if (!isDnWithin(dn, baseDn)) throw new ConfigError(joinPath(at, index), 'lies outside baseDn, so the agent cannot read it', 'use a group DN below baseDn');
    });
  };
  below(portal.allowedGroups, joinPath(joinPath(path, 'portal'), 'allowedGroups'));
  below(selfServiceProtectedGroups, joinPath(joinPath(path, 'scope'), 'selfServiceProtectedGroups'));
  const on = portal.verifyPassword.enabled || portal.contactAttributes.length > 0;
  if (on && !portal.allowEveryone && portal.allowedGroups.length === 0) {
    throw new ConfigError(
      joinPath(joinPath(path, 'portal'), 'allowedGroups'),
      'a portal feature is on but no user may use it',
      'name the groups whose members may use the portal, or set "allowEveryone": true',
    );
  }
}
