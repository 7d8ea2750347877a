import { SELF_SERVICE_OPS, isSelfService, type Command } from '../../protocol/index.js';
import type { DirectoryConfig } from '../directory/directory-config.js';
import type { Logger } from '../logging/logger.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';
import { dnEquals } from '../directory/ldap/dn.js';

/**
 * The on-premises opt-in for the administrator's own reset (docs/self-service.md): a protected
 * account may be reset, changed or unlocked only when the command is marked `selfService: true`
 * (signed by the service like the rest of the command) and the account is a member, direct or
 * nested, of one of `scope.selfServiceProtectedGroups`. Never the agent's own account. Returns the
 * group that allowed it, or null (refused, also when the group cannot be read).
 */
export async function protectedSelfServiceGroup(command: Command, user: DirectoryUser, driver: DirectoryDriver, config: DirectoryConfig, logger?: Logger): Promise<string | null> {
  const groups = config.scope.selfServiceProtectedGroups ?? [];
  if (user.protectedReason === null || groups.length === 0) return null;
  if (!SELF_SERVICE_OPS.includes(command.op) || !isSelfService(command.params)) return null;
  if (dnEquals(user.dn, config.bindDn)) return null;
  const membership = await driver.groupMembership(user, groups);
  if (membership.unreadable.length > 0) {
    logger?.warn('scope.selfServiceProtectedGroups lists groups the agent cannot read; their members are refused', { directory: config.id, groups: membership.unreadable });
  }
  return membership.memberOf;
}
