import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import type { DirectorySim } from '../../directory-sim/start-directory-sim.js';

/** What tells one test directory from another: where it is, who binds, what is in scope. */
export interface DirectoryFields {
  id: string;
  kind: DirectoryConfig['kind'];
  urls: string[];
  baseDn: string;
  bindDn: string;
  /** PEM file of the CA that signed the server's certificate. */
  caFile: string | null;
  include: string[];
  exclude?: string[];
  protectedGroups?: string[];
  startTls?: boolean;
}

/**
 * The one DirectoryConfig builder of the tests and the bench: LDAPS verified against the given CA,
 * protected accounts refused, a 5 s timeout (test machines run many servers at once; timing tests
 * set their own), two pooled connections, policies cached for a minute. `overrides` win.
 */
export function directoryConfig(fields: DirectoryFields, overrides: Partial<DirectoryConfig> = {}): DirectoryConfig {
  return {
    id: fields.id,
    kind: fields.kind,
    urls: fields.urls,
    baseDn: fields.baseDn,
    bindDn: fields.bindDn,
    tls: { caFile: fields.caFile, startTls: fields.startTls ?? false },
    scope: { include: fields.include, exclude: fields.exclude ?? [], refuseProtectedAccounts: true, protectedGroups: fields.protectedGroups ?? [] },
    historyOnReset: 'bestEffort',
    passwordMethod: 'passwordModify',
    timeoutMs: 5_000,
    poolSize: 2,
    policyCacheMs: 60_000,
    ...overrides,
  };
}

/**
 * A DirectoryConfig pointing the agent's AD driver at one or more sims as svc-writeback over
 * LDAPS (or StartTLS on the plain port with `startTls: true`). The bind password is
 * SeededAccount.svcWriteback.password, passed to the driver through DriverDeps.
 */
export function agentDirectoryConfig(sims: DirectorySim | DirectorySim[], overrides: Partial<DirectoryConfig> & { startTls?: boolean } = {}): DirectoryConfig {
  const list = Array.isArray(sims) ? sims : [sims];
  const first = list[0];
  if (!first) throw new Error('agentDirectoryConfig needs at least one sim');
  const { startTls = false, ...rest } = overrides;
  return directoryConfig(
    {
      id: 'sim-ad',
      kind: 'activeDirectory',
      urls: list.map((sim) => (startTls ? sim.ldapUrl : (sim.ldapsUrl ?? sim.ldapUrl))),
      baseDn: first.baseDn,
      bindDn: `${SeededAccount.svcWriteback.rdn},${first.baseDn}`,
      caFile: first.caFile ?? null,
      include: [first.baseDn],
      startTls,
    },
    { passwordMethod: 'replace', ...rest },
  );
}
