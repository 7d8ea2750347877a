import type { Result } from '../../protocol/index.js';
import { PortalOperation } from '../../protocol/index.js';
import type { PortalAgent } from './portal-agent.js';
import type { Registration, Registrations } from './registrations.js';

/** Where codes for one user go: what they registered first, then what the agent's owner lets it send. */
export interface Contact {
  email: string | null;
  phone: string | null;
  /** The administrator's alternate address (`otherMailbox`), for the e-mailed link. */
  alternateEmail: string | null;
  registration: Registration | null;
  /** From getContactInfo: null when the agent does not offer it, did not answer, or answered other than OK. */
  eligible: boolean | null;
  /** The agent's reason (`GROUP_MEMBER`, `NOT_IN_ALLOWED_GROUP`, `GROUP_UNREADABLE`, ...), for the service's log only. */
  eligibility: string | null;
  protectedAccount: boolean;
  /** Protected, yet the agent would let a `selfService: true` reset through (its selfServiceProtectedGroups). */
  protectedSelfService: boolean;
}

/** The directory's facts about one user, as getContactInfo tells them. */
export interface DirectoryFacts {
  mail: string | null;
  mobile: string | null;
  otherMailbox: string | null;
  eligible: boolean | null;
  eligibility: string | null;
  protectedAccount: boolean;
  protectedSelfService: boolean;
}

function first(contact: Record<string, unknown>, attribute: string): string | null {
  const values = contact[attribute];
  return Array.isArray(values) && typeof values[0] === 'string' && values[0] !== '' ? values[0] : null;
}

/**
 * The directory's contact facts from a getContactInfo result (docs/self-service.md). Only an `OK`
 * answer says anything about eligibility; any other (`UNSUPPORTED_OPERATION` with `NOT_ENABLED` for
 * a directory that has the op off, `USER_NOT_FOUND`, ...) leaves it unknown (null), which
 * `access: group` refuses.
 */
export function directoryContact(result: Result | null): DirectoryFacts {
  if (result === null || result.code !== 'OK') return { mail: null, mobile: null, otherMailbox: null, eligible: null, eligibility: null, protectedAccount: false, protectedSelfService: false };
  const d = result.details;
  const contact = typeof d['contact'] === 'object' && d['contact'] !== null ? (d['contact'] as Record<string, unknown>) : {};
  return {
    mail: first(contact, 'mail'),
    mobile: first(contact, 'mobile'),
    otherMailbox: first(contact, 'otherMailbox'),
    eligible: typeof d['eligible'] === 'boolean' ? d['eligible'] : null,
    eligibility: typeof d['eligibility'] === 'string' ? d['eligibility'] : null,
    protectedAccount: d['protected'] === true,
    protectedSelfService: d['protectedSelfService'] === true,
  };
}

export async function lookUpContact(agent: PortalAgent, registrations: Registrations, tenantId: string, user: string): Promise<Contact> {
  const registration = await registrations.get(tenantId, user);
  const directory = (await agent.offers(PortalOperation.getContactInfo)) ? directoryContact(await agent.run(PortalOperation.getContactInfo, user, {})) : directoryContact(null);
  return {
    email: registration?.email ?? directory.mail,
    phone: registration?.phone ?? directory.mobile,
    alternateEmail: directory.otherMailbox ?? registration?.email ?? null,
    registration,
    eligible: directory.eligible,
    eligibility: directory.eligibility,
    protectedAccount: directory.protectedAccount,
    protectedSelfService: directory.protectedSelfService,
  };
}
