import type { Command } from '../../../protocol/index.js';
import type { DirectoryUser } from '../../directory/driver.js';
import { portalOf } from '../../policy/portal-features.js';
import type { Outcome } from '../error-to-result.js';
import type { OperationContext } from '../apply-operation.js';
import { factDetails, portalFacts } from './portal-facts.js';

/**
 * `getContactInfo`: the contact attributes the directory's owner listed in
 * `portal.contactAttributes` (`details.contact`, keyed as listed), for an eligible user only; for
 * anyone else `contact` is empty. Nothing beyond those attributes is read or sent.
 */
export async function getContactInfo(command: Command, user: DirectoryUser, ctx: OperationContext): Promise<Outcome> {
  const facts = await portalFacts(command, user, ctx);
  const contact = facts.eligible ? await ctx.driver.readContactAttributes(user, portalOf(ctx.config).contactAttributes) : {};
  return {
    code: 'OK',
    message: facts.eligible ? 'contact attributes' : 'the account may not use the self-service portal; no contact data sent',
    details: { dn: user.dn, ...factDetails(facts), contact },
  };
}
