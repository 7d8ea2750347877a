import type { Logger } from '../logging/logger.js';
import type { PortalConfig } from '../config/portal-config.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';

/** Why a user may or may not use the self-service portal (`details.eligibility`). */
export const EligibilityReason = {
  /** `portal.allowEveryone`: every user in scope. */
  EVERYONE: 'EVERYONE',
  /** A member, direct or nested, of one of `portal.allowedGroups`. */
  GROUP_MEMBER: 'GROUP_MEMBER',
  NOT_IN_ALLOWED_GROUP: 'NOT_IN_ALLOWED_GROUP',
  /** Not a member of any group the agent could read, and some listed group it could not: fail closed. */
  GROUP_UNREADABLE: 'GROUP_UNREADABLE',
} as const;
export type EligibilityReason = (typeof EligibilityReason)[keyof typeof EligibilityReason];

export interface Eligibility {
  eligible: boolean;
  reason: EligibilityReason;
}

/**
 * Decided on the premises, by the directory: everyone in scope when the owner said so, else
 * membership of an allowed group. A group the agent cannot read never makes anyone eligible; its
 * DN is logged here and not sent upstream.
 */
export async function portalEligibility(driver: DirectoryDriver, user: DirectoryUser, portal: PortalConfig, logger?: Logger): Promise<Eligibility> {
  if (portal.allowEveryone) return { eligible: true, reason: EligibilityReason.EVERYONE };
  const membership = await driver.groupMembership(user, portal.allowedGroups);
  if (membership.unreadable.length > 0) {
    logger?.warn('portal.allowedGroups lists groups the agent cannot read; their members are not eligible', { directory: driver.id, groups: membership.unreadable });
  }
  if (membership.memberOf !== null) return { eligible: true, reason: EligibilityReason.GROUP_MEMBER };
  return { eligible: false, reason: membership.unreadable.length > 0 ? EligibilityReason.GROUP_UNREADABLE : EligibilityReason.NOT_IN_ALLOWED_GROUP };
}
