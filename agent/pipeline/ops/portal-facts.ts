import type { Command } from '../../../protocol/index.js';
import type { DirectoryUser } from '../../directory/driver.js';
import { portalOf } from '../../policy/portal-features.js';
import { portalEligibility, type Eligibility } from '../../policy/portal-eligibility.js';
import { protectedSelfServiceGroup } from '../../policy/protected-self-service.js';
import type { OperationContext } from '../apply-operation.js';

/** What both portal ops report about the account, besides their own answer. */
export interface PortalFacts extends Eligibility {
  /** The agent refuses writes to this account (AD adminCount, privileged groups, scope.protectedGroups); null for an ineligible user. */
  protected: boolean | null;
  /** Protected, yet a `selfService: true` reset would pass the agent's opt-in (scope.selfServiceProtectedGroups); null for an ineligible user. */
  protectedSelfService: boolean | null;
}

/** Eligibility first; an ineligible user's protection is neither looked up nor told. */
export async function portalFacts(command: Command, user: DirectoryUser, ctx: OperationContext): Promise<PortalFacts> {
  const eligibility = await portalEligibility(ctx.driver, user, portalOf(ctx.config), ctx.logger);
  if (!eligibility.eligible) return { ...eligibility, protected: null, protectedSelfService: null };
  const isProtected = ctx.config.scope.refuseProtectedAccounts && user.protectedReason !== null;
  // As the reset would ask: the same op list and flag, so the answer cannot drift from the check.
  const asReset: Command = { ...command, op: 'resetPassword', params: { selfService: true } };
  const group = isProtected ? await protectedSelfServiceGroup(asReset, user, ctx.driver, ctx.config, ctx.logger) : null;
  return { ...eligibility, protected: isProtected, protectedSelfService: group !== null };
}

/** The facts as result details (`eligibility` is the reason, `eligible` the answer). */
export function factDetails(facts: PortalFacts): Record<string, unknown> {
  const details: Record<string, unknown> = { eligible: facts.eligible, eligibility: facts.reason };
  if (facts.protected !== null) details['protected'] = facts.protected;
  if (facts.protectedSelfService !== null) details['protectedSelfService'] = facts.protectedSelfService;
  return details;
}
