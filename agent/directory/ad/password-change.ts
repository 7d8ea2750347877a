import { Attribute, Change } from 'ldapts';
import { ResultCode } from '../../../protocol/codes.js';
import { AgentError } from '../../errors.js';
import type { ApplyOutcome, DirectoryUser } from '../driver.js';
import { accountFlags, passwordChangeAllowedAt } from './account-state.js';
import { AdAttribute } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { precheckPassword } from './password-precheck.js';
import { AdRight } from './rights.js';
import { encodeUnicodePwd } from './unicode-pwd.js';
import { readUserEntry } from './user-lookup.js';

/**
 * The user's own change: one modify that deletes the old unicodePwd value and adds the new one,
 * sent on the agent's connection (the Change Password right is held by Everyone, and it works for
 * a user who must change at next logon, whose own bind would be refused with data 773).
 * The directory checks the old password, history and minimum age; the agent checks length,
 * complexity and minimum age first so the refusal carries a precise reason and `allowedAt`.
 */
export async function changePassword(context: AdContext, user: DirectoryUser, oldPassword: string, newPassword: string): Promise<ApplyOutcome> {
  const entry = await context.withClient('search', (client) => readUserEntry(client, user.dn), { idempotent: true });
  if (entry === null) throw new AgentError(ResultCode.USER_NOT_FOUND, 'the user no longer exists', { details: { reason: 'NO_SUCH_OBJECT' } });
  const policy = await context.policyFor(user);
  const allowedAt = passwordChangeAllowedAt(accountFlags(entry), policy);
  if (allowedAt !== null && allowedAt > context.deps.now()) {
    throw new AgentError(ResultCode.PASSWORD_TOO_YOUNG, 'the password was changed too recently to change it again', { details: { reason: 'TOO_YOUNG', allowedAt: allowedAt.toISOString() } });
  }
  await precheckPassword(context, user, newPassword);
  const changes = [
    new Change({ operation: 'delete', modification: new Attribute({ type: AdAttribute.unicodePwd, values: [encodeUnicodePwd(oldPassword)] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: AdAttribute.unicodePwd, values: [encodeUnicodePwd(newPassword)] }) }),
  ];
  // Should the DC still say "too young" (a stricter PSO the agent cannot read), the time is unknown: no allowedAt.
  await context.withClient('changePassword', (client) => client.modify(user.dn, changes), { missing: AdRight.changePassword });
  return { dn: user.dn, appliedAt: context.deps.now(), details: {} };
}
