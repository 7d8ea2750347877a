/** A request or response control, value still BER-encoded. */
export interface LdapControl {
  oid: string;
  critical: boolean;
  value: Buffer | undefined;
}
