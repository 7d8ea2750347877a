import type { DomainInfo } from '../ad/domain-info.js';

/** The default simulated domain. */
export const defaultDomain: DomainInfo = {
  baseDn: 'DC=sim,DC=test',
  dnsName: 'sim.test',
  netbiosName: 'SIM',
  sid: 'S-1-5-21-1004336348-1177238915-682003330',
  dcHostName: 'dc1.sim.test',
};

/**
 * The accounts of the default seed (passwords meet the default policy: 7+ characters, complex,
 * without the account name), with their passwords: test fixtures, documented in the report.
 * DNs are relative to the base DN (`${...},DC=sim,DC=test`).
 */
export const SeededAccount = {
  administrator: { rdn: 'CN=Administrator,CN=Users', sam: 'Administrator', password: 'Admin#Pass1', rid: 500 },
  svcWriteback: { rdn: 'CN=svc-writeback,CN=Users', sam: 'svc-writeback', password: 'Svc#Writeback1', rid: 1105 },
  alice: { rdn: 'CN=Alice Anders,OU=Staff', sam: 'alice', password: 'Wonder#Land1', rid: 1110 },
  bob: { rdn: 'CN=Bob Brown,OU=Staff', sam: 'bob', password: 'Build#Er2024', rid: 1111 },
  carol: { rdn: 'CN=Carol Clark,OU=Staff', sam: 'carol', password: 'Christmas#Song1', rid: 1112 },
  dave: { rdn: 'CN=Dave Dunn,OU=Staff', sam: 'dave', password: 'Dive#Deep2024', rid: 1113 },
  erin: { rdn: 'CN=Erin Evans,OU=Staff', sam: 'erin', password: 'Go#Brockovich1', rid: 1114 },
  frank: { rdn: 'CN=Frank Fox,OU=Sales,OU=Staff', sam: 'frank', password: 'Hot#Dog2024', rid: 1115 },
  patAdmin: { rdn: 'CN=Pat Admin,OU=Staff', sam: 'pat.admin', password: 'Patch#Work2024', rid: 1116 },
  mallory: { rdn: 'CN=Mallory Moss,OU=Contractors', sam: 'mallory', password: 'Evil#Twin2024', rid: 1120 },
} as const;
export type SeededAccountName = keyof typeof SeededAccount;

/**
 * Contact data the default seed adds with `DefaultSeedOptions.adminSelfService` (the portal's
 * SMS codes and the administrator's own reset): a mobile number, and an alternate address where
 * the administrator's link goes. Other accounts have only `mail`.
 */
export const SeededContact = {
  frank: { mobile: '+15550115', otherMailbox: 'frank@home.example' },
  patAdmin: { mobile: '+15550116', otherMailbox: 'pat@home.example' },
} as const satisfies Partial<Record<SeededAccountName, { mobile: string; otherMailbox: string }>>;

/** Containers of the default seed, relative to the base DN. */
export const SeededContainer = {
  users: 'CN=Users',
  system: 'CN=System',
  adminSdHolder: 'CN=AdminSDHolder,CN=System',
  /** Delegated to svc-writeback (reset, pwdLastSet, lockoutTime on users below). */
  staff: 'OU=Staff',
  sales: 'OU=Sales,OU=Staff',
  /** Not delegated. */
  contractors: 'OU=Contractors',
  /** Where generated bulk users go. */
  bulk: 'OU=Bulk',
  domainAdmins: 'CN=Domain Admins,CN=Users',
  domainUsers: 'CN=Domain Users,CN=Users',
  helpdesk: 'CN=Helpdesk,CN=Users',
  allStaff: 'CN=All Staff,CN=Users',
} as const;
