import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import { SimError } from '../sim-error.js';
import type { AdBindData } from '../../ldap-constants/ad-diagnostic-codes.js';
import { PolicyFailure } from './policy-failure.js';
import { SimMode } from './sim-mode.js';

/** Samba's reason texts of check_password_restrictions, after the "%08X: %s - " prefix. */
const sambaPolicyText: Record<PolicyFailure, string> = {
  [PolicyFailure.tooShort]: 'the password is too short. It should be equal or longer than %u characters!',
  [PolicyFailure.complexity]: 'the password does not meet the complexity criteria!',
  [PolicyFailure.inHistory]: 'the password was already used (in history)!',
  [PolicyFailure.previousPassword]: 'the password was already used (previous password)!',
  [PolicyFailure.tooYoung]: 'password is too young to change!',
};

const windowsNotBound = '000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v3839';

/**
 * Every diagnostic text directory-sim sends for AD semantics, per mode: Windows Server 2016+ DSIDs,
 * and Samba 4.17 as seen on this machine (DIRECTORY-FACTS.md; the Samba texts of binds, policy,
 * acl refusals and rc 12 were compared with a real Samba DC from samba-ad-dc.sh).
 */
export class ErrorTexts {
  constructor(private readonly mode: SimMode) {}

  private get samba(): boolean {
    return this.mode === SimMode.samba;
  }

  bindFailed(data: AdBindData): SimError {
    const text = this.samba
      ? `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1`
      : `80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data ${data}, v4563`;
    return new SimError(LdapResultCode.invalidCredentials, text);
  }

  /** Samba: simple bind with a password over plain LDAP. */
  transportEncryptionRequired(): SimError {
    return new SimError(LdapResultCode.strongerAuthRequired, 'BindSimple: Transport encryption required.');
  }

  /** Windows: unicodePwd written over an unencrypted connection. */
  unicodePwdNeedsEncryption(): SimError {
    return new SimError(LdapResultCode.unwillingToPerform, '0000001F: SvcErr: DSID-031A126C, problem 5003 (WILL_NOT_PERFORM), data 0\n');
  }

  unwilling(): SimError {
    return this.samba
      ? new SimError(LdapResultCode.unwillingToPerform, '0000001F: Unwilling to perform')
      : new SimError(LdapResultCode.unwillingToPerform, '0000001F: SvcErr: DSID-031A1254, problem 5003 (WILL_NOT_PERFORM), data 0\n');
  }

  /** Missing extended right (the reset). */
  insufficientRightsForReset(_dn: string): SimError {
    return this.samba ? new SimError(LdapResultCode.insufficientAccessRights, 'error in module acl: insufficient access rights during LDB_MODIFY (50)') : this.windowsInsufficientRights();
  }

  /** Missing write property on an attribute. */
  insufficientRightsForAttribute(dn: string): SimError {
    return this.samba ? new SimError(LdapResultCode.insufficientAccessRights, `00002098: Object ${dn} has no write property access`) : this.windowsInsufficientRights();
  }

  private windowsInsufficientRights(): SimError {
    return new SimError(LdapResultCode.insufficientAccessRights, '00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0\n');
  }

  policyViolation(reason: PolicyFailure, minLength: number): SimError {
    if (!this.samba) {
      return new SimError(
        LdapResultCode.constraintViolation,
        '0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n',
      );
    }
    const text = sambaPolicyText[reason].replace('%u', String(minLength));
    return new SimError(LdapResultCode.constraintViolation, `0000052D: Constraint violation - check_password_restrictions: ${text}`);
  }

  wrongOldPassword(): SimError {
    return this.samba
      ? new SimError(LdapResultCode.constraintViolation, "00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match!")
      : new SimError(LdapResultCode.constraintViolation, '00000056: AtrErr: DSID-03190F80, #1:\n\t0: 00000056: DSID-03190F80, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n');
  }

  /** Samba: pwdLastSet = -1 written without Unexpire Password on the domain root. */
  unexpirePasswordRequired(dn: string): SimError {
    return new SimError(LdapResultCode.insufficientAccessRights, `Failed to modify ${dn}: Setting pwdLastSet to -1 requires the Unexpire-Password right that was not given on the Domain object`);
  }

  /** Samba: a user's password change while the account is locked out (password_hash.c setup_io). */
  changeWhileLockedOut(): SimError {
    return new SimError(LdapResultCode.constraintViolation, '00000775: Password change not permitted, account locked out!');
  }

  /** `dn` is the DN asked for; Windows names the nearest existing ancestor, Samba the DN itself (with 00002030, seen on a modify). */
  noSuchObject(dn: string, bestMatch: string): SimError {
    return new SimError(
      LdapResultCode.noSuchObject,
      this.samba ? `00002030: No such Base DN: ${dn}` : `0000208D: NameErr: DSID-0310028C, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'${bestMatch}'\n`,
      bestMatch,
    );
  }

  /** A search whose base does not exist: Samba's acl_read module answers first, without a code. */
  noSuchSearchBase(dn: string, bestMatch: string): SimError {
    return this.samba ? new SimError(LdapResultCode.noSuchObject, 'acl_read: Error retrieving instanceType for base.', bestMatch) : this.noSuchObject(dn, bestMatch);
  }

  notBound(): SimError {
    return new SimError(LdapResultCode.operationsError, this.samba ? '00002020: Operation unavailable without authentication' : windowsNotBound);
  }

  /**
   * Samba 4.17 answers with no diagnostic at all (seen with ldapmodify -e here; "Critical extension
   * is unavailable" is only the client's rendering of rc 12). Windows mode sends those words.
   */
  criticalExtension(): SimError {
    return new SimError(LdapResultCode.unavailableCriticalExtension, this.samba ? '' : 'Critical extension is unavailable');
  }

  attributeExists(attribute: string): SimError {
    return new SimError(
      LdapResultCode.attributeOrValueExists,
      `00002083: AtrErr: DSID-03151904, #1:\n\t0: 00002083: DSID-03151904, problem 1006 (ATT_OR_VALUE_EXISTS), data 0, Att 0 (${attribute})\n`,
    );
  }

  noSuchAttribute(attribute: string): SimError {
    return new SimError(LdapResultCode.noSuchAttribute, `00002080: AtrErr: DSID-03151F8A, #1:\n\t0: 00002080: DSID-03151F8A, problem 1001 (NO_ATTRIBUTE_OR_VAL), data 0, Att 0 (${attribute})\n`);
  }

  constraint(attribute: string): SimError {
    return new SimError(LdapResultCode.constraintViolation, `00002082: AtrErr: DSID-03151E6D, #1:\n\t0: 00002082: DSID-03151E6D, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 0 (${attribute})\n`);
  }
}
