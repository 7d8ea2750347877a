/** Names and identifiers of the simulated domain. */
export interface DomainInfo {
  /** Naming context, e.g. DC=sim,DC=test. */
  baseDn: string;
  dnsName: string;
  netbiosName: string;
  /** S-1-5-21-x-y-z */
  sid: string;
  dcHostName: string;
}
