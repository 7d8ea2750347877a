import type { Command } from '../../protocol/index.js';
import type { DirectoryConfig } from '../directory/directory-config.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';
import { AgentError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { protectedSelfServiceGroup } from './protected-self-service.js';
import { scopeRefusal } from './scope.js';

/** The operations that write to the directory: protection, the per-account rate limit and the journal's `applying` note apply to them. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set(['resetPassword', 'changePassword', 'unlockAccount']);

/**
 * The agent-side policy on a resolved target (SPEC.md step 9): scope, then, for writes, protected
 * accounts, which the on-premises opt-in for self-service may exempt (`selfService`; the
 * exemption is logged). The refusal to throw, or null. Also run, without the exemption, before the
 * expired "maybe applied" probe, which binds as the user: no bind is tried on an account the agent
 * may not change.
 */
export async function accountPolicyRefusal(
  command: Command,
  user: DirectoryUser,
  driver: DirectoryDriver,
  config: DirectoryConfig,
  selfService: { logger: Logger } | null,
): Promise<AgentError | null> {
  const scopeReason = await scopeRefusal(user.dn, config.scope, (dn) => driver.canonicalDn(dn));
  // No DN upstream: the service must not learn the layout of the directory outside the scope.
  if (scopeReason !== null) return new AgentError('OUT_OF_SCOPE', 'the account is outside the scope this agent may change', { details: { reason: scopeReason.replace(/ \(.*\)$/, '') } });
  if (!WRITE_OPERATIONS.has(command.op) || !config.scope.refuseProtectedAccounts || user.protectedReason === null) return null;
  if (selfService !== null && (await selfServiceExempt(command, user, driver, config, selfService.logger))) return null;
  return new AgentError('PROTECTED_ACCOUNT', 'the account is protected; the agent does not change protected accounts', {
    details: { dn: user.dn, reason: user.protectedReason },
  });
}

/** A protected account's own reset through the on-premises opt-in (protected-self-service.ts); logged when it applies. */
async function selfServiceExempt(command: Command, user: DirectoryUser, driver: DirectoryDriver, config: DirectoryConfig, logger: Logger): Promise<boolean> {
  const group = await protectedSelfServiceGroup(command, user, driver, config, logger);
  if (group !== null) {
    logger.warn('a protected account acts on itself through self-service (scope.selfServiceProtectedGroups)', {
      commandId: command.id,
      op: command.op,
      dn: user.dn,
      reason: user.protectedReason,
      group,
    });
  }
  return group !== null;
}
