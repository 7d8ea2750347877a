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
  /** From getContactInfo: null when the agent does not offer it or did not answer. */
  eligible: boolean | null;
  protectedAccount: boolean;
}

function first(contact: Record<string, unknown>, attribute: string): string | null {
  const values = contact[attribute];
  return Array.isArray(values) && typeof values[0] === 'string' && values[0] !== '' ? values[0] : null;
}

/** The directory's contact facts from a getContactInfo result (docs/self-service.md). */
export function directoryContact(result: Result | null): { mail: string | null; mobile: string | null; otherMailbox: string | null; eligible: boolean | null; protectedAccount: boolean } {
  if (result === null || result.code !== 'OK') return { mail: null, mobile: null, otherMailbox: null, eligible: result === null ? null : false, protectedAccount: false };
  const d = result.details;
  const contact = typeof d['contact'] === 'object' && d['contact'] !== null ? (d['contact'] as Record<string, unknown>) : {};
  return { mail: first(contact, 'mail'), mobile: first(contact, 'mobile'), otherMailbox: first(contact, 'otherMailbox'), eligible: d['eligible'] === true, protectedAccount: d['protected'] === true };
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
    protectedAccount: directory.protectedAccount,
  };
}
