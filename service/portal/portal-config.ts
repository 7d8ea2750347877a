import { isSecretReference, type SecretReference } from '../config/secret-reference.js';
import { ServiceError } from '../errors.js';

/** The ways a user can prove who they are (docs/portal.md). */
export const PortalMethod = {
  /** A one-time code by e-mail (SMTP). */
  email: 'email',
  /** A one-time code by SMS (the HTTP provider in `sms`). */
  sms: 'sms',
  /** A code from an authenticator app (TOTP, RFC 6238). */
  totp: 'totp',
} as const;
export type PortalMethod = (typeof PortalMethod)[keyof typeof PortalMethod];
export const PORTAL_METHODS: readonly PortalMethod[] = Object.values(PortalMethod);

/** Who may use the portal: nobody, every user the agent serves, or those the agent finds eligible (its `portal.allowedGroups`). */
export const PortalAccess = { none: 'none', everyone: 'everyone', group: 'group' } as const;
export type PortalAccess = (typeof PortalAccess)[keyof typeof PortalAccess];

/** `portal.targetBy` value: the kind the tenant's agents report for their directories (`uid` for OpenLDAP, `sAMAccountName` for AD). */
export const TARGET_BY_AGENTS = 'agents';

export interface PortalConfig {
  /** Methods offered; each must be set up (`smtp.host` for email, `sms.endpoint` for sms). */
  methods: string[];
  /** Methods a user must pass, 1 or 2; administrators always pass 2. */
  required: number;
  /** Registered methods must be re-confirmed after this many days. */
  reconfirmDays: number;
  /** E-mail address or URL shown on every refusal; an address also receives the help desk's messages. */
  helpdeskContact: string | null;
  /** Not read by the service: the groups live in the agent's `portal.allowedGroups`; kept for older files. */
  allowedGroups: string[];
  /** The tenant (name or id) whose agents serve the portal; null: the portal says it is not set up. */
  tenant: string | null;
  /** How the user's name is looked up (a SPEC.md target kind: `sAMAccountName`, `uid`, `userPrincipalName`...), or TARGET_BY_AGENTS. */
  targetBy: string;
  access: string;
  /** Key that hashes codes and seals authenticator secrets; null: `portal.key` in the data directory, made on first start. */
  secretKey: SecretReference | null;
  codeTtlSeconds: number;
  /** Attempts per user name and per client address within `windowSeconds`. */
  limits: { perUser: number; perAddress: number; windowSeconds: number };
  /** `user`: mail the user after every reset or unlock; `admins`: addresses told when an administrator resets their own password. */
  notify: { user: boolean; admins: string[] };
}

export function defaultPortalConfig(): PortalConfig {
  return {
    methods: ['email'],
    required: 1,
    reconfirmDays: 180,
    helpdeskContact: null,
    allowedGroups: [],
    tenant: null,
    targetBy: 'sAMAccountName',
    access: PortalAccess.everyone,
    secretKey: null,
    codeTtlSeconds: 600,
    limits: { perUser: 5, perAddress: 30, windowSeconds: 900 },
    notify: { user: true, admins: [] },
  };
}

/** Keys of `portal` whose default is null (service-config.ts takes any value there and this file checks it). */
export const PORTAL_FREE_KEYS = ['portal.tenant', 'portal.secretKey'];

/** Checks what the generic merge cannot: enumerations, ranges, references. */
export function checkPortalConfig(portal: PortalConfig, file: string): void {
  const fail = (message: string): never => {
    throw new ServiceError('CONFIG', `${file}: ${message}`);
  };
  const unknown = portal.methods.filter((m) => !(PORTAL_METHODS as readonly string[]).includes(m));
  if (unknown.length > 0 || portal.methods.length === 0) fail(`portal.methods must list some of ${PORTAL_METHODS.join(', ')}`);
  if (portal.required !== 1 && portal.required !== 2) fail('portal.required must be 1 or 2');
  if (portal.required > portal.methods.length) fail('portal.required is more than the methods offered');
  if (!Number.isInteger(portal.reconfirmDays) || portal.reconfirmDays < 1) fail('portal.reconfirmDays must be a whole number of days, at least 1');
  if (!(Object.values(PortalAccess) as string[]).includes(portal.access)) fail('portal.access must be "none", "everyone" or "group"');
  if (portal.tenant !== null && typeof portal.tenant !== 'string') fail('portal.tenant must be null or a tenant name');
  if (portal.secretKey !== null && !isSecretReference(portal.secretKey)) fail('portal.secretKey must be null, { "env": NAME } or { "file": PATH } (never a literal)');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(portal.targetBy)) fail('portal.targetBy must be a target kind such as sAMAccountName or uid, or "agents"');
  if (!Number.isInteger(portal.codeTtlSeconds) || portal.codeTtlSeconds < 60 || portal.codeTtlSeconds > 3600) fail('portal.codeTtlSeconds must be 60 to 3600');
  const { perUser, perAddress, windowSeconds } = portal.limits;
  if (![perUser, perAddress, windowSeconds].every((n) => Number.isInteger(n) && n >= 1)) fail('portal.limits values must be whole numbers, at least 1');
}
