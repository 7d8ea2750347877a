import type { DirectoryUser } from '../driver.js';
import { AdBindData } from '../../../ldap-constants/ad-diagnostic-codes.js';
import { mapDirectoryError } from '../ldap/directory-errors.js';
import type { AdContext } from './ad-context.js';

/**
 * Bind sub-statuses AD and Samba give only after the password matched: the account's state
 * refused the logon, not the password (775, locked, comes whatever the password).
 */
const AFTER_MATCH: ReadonlySet<string> = new Set([
  AdBindData.mustChangePassword,
  AdBindData.disabled,
  AdBindData.passwordExpired,
  AdBindData.accountExpired,
  AdBindData.logonHours,
  AdBindData.workstation,
]);

/**
 * The self-service portal's sign-in check: a simple bind as the user on a user connection of the
 * pool, nothing written by the agent. A wrong password is a failed logon for the DC (badPwdCount,
 * and lockout at the domain's threshold); a right one is a logon (lastLogon, badPwdCount reset).
 * Refusals come from the one directory-error table; `details.passwordMatched` says when the
 * password was right but the account's state refused the logon (e.g. must change).
 */
export async function verifyAdPassword(context: AdContext, user: DirectoryUser, password: string): Promise<void> {
  try {
    await context.withUserBind({ dn: user.dn, password }, () => Promise.resolve());
  } catch (error) {
    const mapped = mapDirectoryError(error, { operation: 'userBind' });
    const data = mapped.details['adBindData'];
    if (typeof data === 'string' && AFTER_MATCH.has(data)) mapped.details['passwordMatched'] = true;
    throw mapped;
  }
}
