import type { IdentityMethod } from './one-time-codes.js';

/** A simulated email or text message: there is no gateway here, so it lands in the outbox. */
export interface OutboxMessage {
  at: Date;
  channel: IdentityMethod;
  to: string;
  text: string;
}

export const CHANNEL_LABEL: Readonly<Record<IdentityMethod, string>> = { email: 'Email', sms: 'Text message' };

/** Where a user's codes go: the addresses the reset service holds for them (simulated). */
export interface Contacts {
  email: string;
  sms: string;
}

/** Default contacts: `<user>@sim.test` and a number from the UK's range reserved for drama (07700 900xxx). */
export function defaultContacts(username: string): Contacts {
  let hash = 0;
  for (const c of username.toLowerCase()) hash = (hash * 31 + c.charCodeAt(0)) % 1000;
  const local = username.toLowerCase().replace(/[^a-z0-9._-]/g, '') || 'user';
  return { email: `${local}@sim.test`, sms: `+44 7700 900${String(hash).padStart(3, '0')}` };
}

/** Masks an address as a reset page shows it: `a•••e@sim.test`, `+44 •••• ••• 123`. */
export function maskContact(channel: IdentityMethod, address: string): string {
  if (channel === 'sms') return `${address.slice(0, 3)} •••• ••• ${address.slice(-3)}`;
  const [local = '', domain = ''] = address.split('@');
  const shown = local.length <= 2 ? `${local.slice(0, 1)}•••` : `${local.slice(0, 1)}•••${local.slice(-1)}`;
  return `${shown}@${domain}`;
}
