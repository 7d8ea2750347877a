import type { DirectoryConfig } from '../directory/directory-config.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';
import { AgentError } from '../errors.js';
import { scopeRefusal } from './scope.js';

/** The operations that write to the directory: protection, the per-account rate limit and the journal's `applying` note apply to them. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set(['resetPassword', 'changePassword', 'unlockAccount']);

/**
 * The agent-side policy on a resolved target (SPEC.md step 9): scope, then, for writes, protected
 * accounts. The refusal to throw, or null. `selfServiceExempt` is asked only for a protected
 * account (agent/policy/protected-self-service.ts). Also run before the expired "maybe applied"
 * probe, which binds as the user: no bind is tried on an account the agent may not change.
 */
export async function accountPolicyRefusal(
  user: DirectoryUser,
  op: string,
  driver: DirectoryDriver,
  config: DirectoryConfig,
  selfServiceExempt: () => Promise<boolean> = () => Promise.resolve(false),
): Promise<AgentError | null> {
  const scopeReason = await scopeRefusal(user.dn, config.scope, (dn) => driver.canonicalDn(dn));
  // No DN upstream: the service must not learn the layout of the directory outside the scope.
  if (scopeReason !== null) return new AgentError('OUT_OF_SCOPE', 'the account is outside the scope this agent may change', { details: { reason: scopeReason.replace(/ \(.*\)$/, '') } });
  if (WRITE_OPERATIONS.has(op) && config.scope.refuseProtectedAccounts && user.protectedReason !== null && !(await selfServiceExempt())) {
    return new AgentError('PROTECTED_ACCOUNT', 'the account is protected; the agent does not change protected accounts', {
      details: { dn: user.dn, reason: user.protectedReason },
    });
  }
  return null;
}
