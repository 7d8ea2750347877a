import { Attribute, Change } from 'ldapts';
import type { ApplyOutcome, DirectoryUser } from '../driver.js';
import { AdAttribute } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { precheckPassword } from './password-precheck.js';
import { AdRight } from './rights.js';
import { encodeUnicodePwd } from './unicode-pwd.js';

/**
 * The user's own change: one modify that deletes the old unicodePwd value and adds the new one,
 * sent on the agent's connection (the Change Password right is held by Everyone, and it works for
 * a user who must change at next logon, whose own bind would be refused with data 773).
 * The directory checks the old password, history and minimum age; the agent checks length and
 * complexity first so the refusal carries a precise reason. The minimum age is the command
 * pipeline's decision (agent/policy/min-age.ts), made before this is called.
 */
export async function changePassword(context: AdContext, user: DirectoryUser, oldPassword: string, newPassword: string): Promise<ApplyOutcome> {
  await precheckPassword(context, user, newPassword);
  const changes = [
    new Change({ operation: 'delete', modification: new Attribute({ type: AdAttribute.unicodePwd, values: [encodeUnicodePwd(oldPassword)] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: AdAttribute.unicodePwd, values: [encodeUnicodePwd(newPassword)] }) }),
  ];
  // Should the DC still say "too young" (a stricter PSO the agent cannot read), the time is unknown: no allowedAt.
  await context.withClient('changePassword', (client) => client.modify(user.dn, changes), { missing: AdRight.changePassword });
  return { dn: user.dn, appliedAt: context.deps.now(), details: {} };
}
