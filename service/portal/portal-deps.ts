import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeContext } from '../gateway/node-context.js';
import type { Mailer } from './mailer.js';
import type { Notifications } from './notifications.js';
import type { OneTimeCodes } from './one-time-codes.js';
import type { PortalAgent } from './portal-agent.js';
import type { PortalConfig } from './portal-config.js';
import type { PortalKey } from './portal-key.js';
import type { PageContext } from './portal-pages.js';
import type { PortalSession, PortalSessions } from './portal-sessions.js';
import type { RateLimits } from './rate-limits.js';
import type { Registrations } from './registrations.js';
import type { SmsSender } from './sms-sender.js';

/** What the portal's flows share, built once per node (portal.ts). */
export interface PortalDeps {
  context: NodeContext;
  config: PortalConfig;
  key: PortalKey;
  sessions: PortalSessions;
  codes: OneTimeCodes;
  limits: RateLimits;
  registrations: Registrations;
  mailer: Mailer | null;
  sms: SmsSender | null;
  notifications: Notifications;
  agent: PortalAgent;
  tenantId: string;
  /** Runs work after the answer has gone (sending a code), so its duration tells nothing. */
  background(work: () => Promise<void>): void;
}

/** One portal request after the session, the CSRF check and the per-address limit. */
export interface PortalRequest {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  session: PortalSession;
  /** The form of a POST (its token already checked); null for a GET. */
  form: URLSearchParams | null;
  page: PageContext;
}

/** A user name as typed: trimmed, 1 to 256 characters, no control characters; null otherwise. */
export function userName(value: string | null): string | null {
  const user = (value ?? '').trim();
  return user.length === 0 || user.length > 256 || /\p{Cc}/u.test(user) ? null : user;
}

/** The per-user rate-limit key (counted whether or not the user exists). */
export function userLimitKey(deps: PortalDeps, user: string): string {
  return `user:${deps.tenantId}:${user.trim().toLowerCase()}`;
}

export async function takeUserLimit(deps: PortalDeps, user: string): Promise<boolean> {
  const { perUser, windowSeconds } = deps.config.limits;
  return deps.limits.take(userLimitKey(deps, user), perUser, windowSeconds);
}

/** Whether a registration is older than `reconfirmDays`. */
export function reconfirmDue(deps: PortalDeps, confirmedAt: Date | null): boolean {
  return confirmedAt !== null && deps.context.now().getTime() - confirmedAt.getTime() > deps.config.reconfirmDays * 86_400_000;
}
