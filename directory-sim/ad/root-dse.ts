import { Oid } from '../../ldap-constants/oids.js';
import type { EncodedAttribute } from '../protocol/encode-response.js';
import { generalizedTime } from './filetime.js';
import { AttributeSelector } from './read-entry.js';
import { sidToBuffer } from './sid.js';
import type { Identity, SimDirectory } from './sim-directory.js';
import { SimMode } from './sim-mode.js';

/** Controls each mode honours; a critical control outside this list fails with rc 12. */
export function supportedControls(mode: SimMode): string[] {
  const common = [Oid.pagedResults, Oid.sdFlags, Oid.permissiveModify, Oid.manageDsaIt];
  return mode === SimMode.windows ? [...common, Oid.policyHints, Oid.policyHintsDeprecated] : common;
}

export const supportedExtensions = [Oid.startTls, Oid.whoAmI] as const;

const capabilities: Record<SimMode, string[]> = {
  windows: [
    Oid.capabilityActiveDirectory,
    Oid.capabilityActiveDirectoryV51,
    Oid.capabilityLdapIntegration,
    Oid.capabilityActiveDirectoryV60,
    Oid.capabilityActiveDirectoryV61R2,
    Oid.capabilityActiveDirectoryW8,
  ],
  samba: [Oid.capabilityActiveDirectory, Oid.capabilityActiveDirectoryV51, Oid.capabilityLdapIntegration, Oid.capabilityActiveDirectoryV60, Oid.capabilityActiveDirectoryV61R2],
};

/** Functional level: 7 = Windows Server 2016; Samba 4.17 provisions 2008 R2 (4). */
const functionalLevel: Record<SimMode, string> = { windows: '7', samba: '4' };

/** The rootDSE; tokenGroups (the bound account's groups) only when asked for by name. */
export function readRootDse(directory: SimDirectory, identity: Identity, attributes: readonly string[]): EncodedAttribute[] {
  const { domain, mode } = directory;
  const base = domain.baseDn;
  const configuration = `CN=Configuration,${base}`;
  const serverDn = `CN=${domain.dcHostName.split('.')[0]!.toUpperCase()},CN=Servers,CN=Default-First-Site-Name,CN=Sites,${configuration}`;
  const all: EncodedAttribute[] = [
    { name: 'currentTime', values: [generalizedTime(directory.clock())] },
    { name: 'subschemaSubentry', values: [`CN=Aggregate,CN=Schema,${configuration}`] },
    { name: 'dsServiceName', values: [`CN=NTDS Settings,${serverDn}`] },
    { name: 'namingContexts', values: [base, configuration, `CN=Schema,${configuration}`] },
    { name: 'defaultNamingContext', values: [base] },
    { name: 'rootDomainNamingContext', values: [base] },
    { name: 'configurationNamingContext', values: [configuration] },
    { name: 'schemaNamingContext', values: [`CN=Schema,${configuration}`] },
    { name: 'serverName', values: [serverDn] },
    { name: 'supportedCapabilities', values: capabilities[mode] },
    { name: 'supportedControl', values: supportedControls(mode) },
    { name: 'supportedExtension', values: [...supportedExtensions] },
    { name: 'supportedLDAPVersion', values: ['3', '2'] },
    { name: 'supportedLDAPPolicies', values: ['MaxPageSize', 'MaxQueryDuration', 'MaxResultSetSize'] },
    { name: 'supportedSASLMechanisms', values: ['GSSAPI', 'GSS-SPNEGO', 'EXTERNAL', 'DIGEST-MD5'] },
    { name: 'highestCommittedUSN', values: [String(directory.store.size + 4096)] },
    { name: 'dnsHostName', values: [domain.dcHostName] },
    { name: 'ldapServiceName', values: [`${domain.dnsName}:${domain.dcHostName.split('.')[0]!.toLowerCase()}$@${domain.dnsName.toUpperCase()}`] },
    { name: 'isSynchronized', values: ['TRUE'] },
    { name: 'isGlobalCatalogReady', values: ['TRUE'] },
    { name: 'domainFunctionality', values: [functionalLevel[mode]] },
    { name: 'forestFunctionality', values: [functionalLevel[mode]] },
    { name: 'domainControllerFunctionality', values: [functionalLevel[mode]] },
    ...(mode === SimMode.samba ? [{ name: 'vendorName', values: ['Samba Team (https://www.samba.org)'] }] : []),
  ];
  const requested = attributes.map((name) => name.toLowerCase());
  const wantsAll = requested.length === 0 || requested.includes(AttributeSelector.all);
  const result = all.filter((attribute) => wantsAll || requested.includes(attribute.name.toLowerCase()));
  if (requested.includes('tokengroups') && identity.entry) {
    result.push({ name: 'tokenGroups', values: directory.tokenGroups(identity.entry).map(sidToBuffer) });
  }
  return result;
}
