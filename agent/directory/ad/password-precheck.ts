import { ResultCode } from '../../../protocol/codes.js';
import { AgentError } from '../../errors.js';
import type { DirectoryUser } from '../driver.js';
import { entryValue } from '../ldap/entry-values.js';
import { AdAttribute } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { checkPasswordRules } from './password-rules.js';
import { readUserEntry } from './user-lookup.js';

/** Throws PASSWORD_POLICY with a precise reason when the password fails length or complexity for this user. */
export async function precheckPassword(context: AdContext, user: DirectoryUser, password: string): Promise<void> {
  const [entry, policy] = await Promise.all([
    context.resolvedEntry(user) ?? context.withClient('search', (client) => readUserEntry(client, user.dn, [AdAttribute.sAMAccountName, AdAttribute.displayName]), { idempotent: true }),
    context.policyFor(user),
  ]);
  if (entry === null) throw new AgentError(ResultCode.USER_NOT_FOUND, 'the user no longer exists', { details: { reason: 'NO_SUCH_OBJECT' } });
  const failure = checkPasswordRules(password, policy, {
    sAMAccountName: entryValue(entry, AdAttribute.sAMAccountName),
    displayName: entryValue(entry, AdAttribute.displayName),
  });
  if (failure !== null) {
    // checkedBy: the agent refused before writing, so the result's status is `rejected`.
    const limits = failure.reason === 'TOO_SHORT' ? { minLength: policy.minLength } : {};
    throw new AgentError(ResultCode.PASSWORD_POLICY, failure.message, { details: { reason: failure.reason, ...limits, policySource: policy.source, checkedBy: 'agent' } });
  }
}
