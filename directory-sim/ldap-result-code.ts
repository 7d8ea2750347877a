/** LDAP result codes: the one table of the project (agent/directory/ldap/result-codes.ts), re-exported for the sim. */
export { LdapResultCode } from '../agent/directory/ldap/result-codes.js';
