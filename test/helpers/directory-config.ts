import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import type { DirectorySim } from '../../directory-sim/start-directory-sim.js';

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
  return {
    id: 'sim-ad',
    kind: 'activeDirectory',
    urls: list.map((sim) => (startTls ? sim.ldapUrl : (sim.ldapsUrl ?? sim.ldapUrl))),
    baseDn: first.baseDn,
    bindDn: `${SeededAccount.svcWriteback.rdn},${first.baseDn}`,
    tls: { caFile: first.caFile ?? null, startTls },
    scope: { include: [first.baseDn], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] },
    historyOnReset: 'bestEffort',
    passwordMethod: 'replace',
    timeoutMs: 5000,
    poolSize: 2,
    policyCacheMs: 60_000,
    ...rest,
  };
}
