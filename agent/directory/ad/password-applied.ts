import { ResultCode } from '../../../protocol/codes.js';
import type { DirectoryUser } from '../driver.js';
import { mapDirectoryError } from '../ldap/directory-errors.js';
import { AdBindData } from '../../../ldap-constants/ad-diagnostic-codes.js';
import { AdAttribute } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { entryValue } from '../ldap/entry-values.js';
import { fileTimeToDate } from './filetime.js';
import { readUserEntry } from './user-lookup.js';

/**
 * Bind sub-statuses AD (and Samba) give only after the password matched: the account's state
 * refused the logon, not the password. 775 (locked) comes whatever the password, so it is not here.
 */
const PASSWORD_MATCHED: ReadonlySet<string> = new Set([
  AdBindData.mustChangePassword,
  AdBindData.disabled,
  AdBindData.passwordExpired,
  AdBindData.accountExpired,
  AdBindData.logonHours,
  AdBindData.workstation,
]);

/**
 * After a crash: was `password` set at or after `since`? pwdLastSet must not be older than `since`
 * (pwdLastSet = 0, "must change", carries no time: then the bind alone decides), and a bind as the
 * user with it must succeed or answer data 773 (right password, must change) or another status
 * that AD gives only for a matching password (disabled 533, expired 532/701, restrictions 530/531). A locked account
 * answers 775 whatever the password: that counts as not applied, so the caller applies again.
 * The probe bind counts as a bad attempt when the password is not the current one.
 */
export async function passwordAlreadyApplied(context: AdContext, user: DirectoryUser, password: string, since: Date): Promise<boolean> {
  const entry = await context.withClient('search', (client) => readUserEntry(client, user.dn, [AdAttribute.pwdLastSet]), { idempotent: true });
  if (entry === null) return false;
  const raw = entryValue(entry, AdAttribute.pwdLastSet);
  const lastSet = fileTimeToDate(raw);
  if (raw !== '0' && (lastSet === null || lastSet < since)) return false;
  try {
    await context.withUserBind({ dn: user.dn, password }, () => Promise.resolve());
    return true;
  } catch (error) {
    const mapped = mapDirectoryError(error, { operation: 'userBind' });
    if (typeof mapped.details.adBindData === 'string' && PASSWORD_MATCHED.has(mapped.details.adBindData)) return true;
    if (mapped.code === ResultCode.DIRECTORY_UNAVAILABLE || mapped.code === ResultCode.INTERNAL) throw mapped;
    return false;
  }
}
