import { ResultCode } from '../../../protocol/codes.js';
import { AgentError } from '../../errors.js';
import type { LdapConnectionPool } from '../ldap/connection-pool.js';
import { passwordPolicyControl, ppolicyErrorOf } from '../ldap/controls.js';
import { mapDirectoryError } from '../ldap/directory-errors.js';
import { PpolicyError } from '../ldap/ppolicy-errors.js';
import type { DirectoryUser } from '../driver.js';

/** ppolicy bind errors slapd gives only after the password matched (a lock comes whatever the password). */
const AFTER_MATCH: ReadonlySet<number> = new Set([PpolicyError.changeAfterReset, PpolicyError.passwordExpired]);

/**
 * The self-service portal's sign-in check on OpenLDAP: a simple bind as the user with the ppolicy
 * control, on a user connection of the pool; the agent writes nothing. With `pwdLockout` a wrong
 * password adds a `pwdFailureTime` value (and locks at `pwdMaxFailure`); a right one clears them.
 * `details.passwordMatched`: the password was right, the account's state refused the logon. slapd
 * lets a user with `pwdReset` bind (to change the password only) and says so in the control: that
 * is MUST_CHANGE_PASSWORD here, as AD's data 773 is.
 */
export async function verifyOpenLdapPassword(pool: LdapConnectionPool, user: DirectoryUser, password: string): Promise<void> {
  const control = passwordPolicyControl();
  try {
    await pool.withUserBind({ dn: user.dn, password, controls: [control] }, () => Promise.resolve());
  } catch (error) {
    if (error instanceof AgentError) throw error;
    const ppolicyError = ppolicyErrorOf(control);
    const mapped = mapDirectoryError(error, { operation: 'userBind', ppolicyError });
    if (ppolicyError !== null && AFTER_MATCH.has(ppolicyError)) mapped.details['passwordMatched'] = true;
    throw mapped;
  }
  if (ppolicyErrorOf(control) === PpolicyError.changeAfterReset) {
    throw new AgentError(ResultCode.ACCOUNT_DISABLED, 'the account must change its password first', {
      details: { reason: 'MUST_CHANGE_PASSWORD', ppolicyError: PpolicyError.changeAfterReset, passwordMatched: true },
    });
  }
}
