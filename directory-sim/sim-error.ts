import type { LdapResultCode } from '../ldap-constants/ldap-result-codes.js';

/**
 * The one error class of directory-sim: an LDAP result that is not success. Handlers throw it and
 * the connection turns it into the response of the operation at hand.
 */
export class SimError extends Error {
  constructor(
    readonly resultCode: LdapResultCode,
    /** The diagnosticMessage sent to the client, verbatim. */
    readonly diagnostic: string,
    readonly matchedDn = '',
    readonly referrals: readonly string[] = [],
  ) {
    super(diagnostic);
    this.name = 'SimError';
  }
}
