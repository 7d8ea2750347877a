import { makeTestPki, type TestPki } from '../../directory-sim/tls/make-test-pki.js';
import { startDirectorySim, type DirectorySim, type DirectorySimOptions } from '../../directory-sim/start-directory-sim.js';
import { seedBulkUsers } from '../../directory-sim/seed/seed-bulk-users.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import type { TestDirectory } from './agent-environment.js';

/** Where the chaos users live: below OU=Staff, so svc-writeback's delegation reaches them. */
export const CHAOS_OU = 'OU=Chaos,OU=Staff';

let pki: Promise<TestPki> | undefined;

export interface ChaosDirectory {
  sim: DirectorySim;
  /** sAMAccountNames chaos000001..., one per command that writes a password. */
  users: string[];
  directory: TestDirectory;
  dnOf(sam: string): string;
  /** Successful unicodePwd writes the directory saw for the user (its op log). */
  passwordWrites(sam: string): number;
}

/**
 * A directory-sim DC (LDAPS, test CA) with `users` generated users below the delegated OU, no
 * minimum password age, and the agent's directory entry pointing at it (and at `replicas`).
 */
export async function startChaosDirectory(users: number, options: DirectorySimOptions = {}): Promise<ChaosDirectory> {
  pki ??= makeTestPki(['dc1.sim.test']);
  const { caPem, certPem, keyPem } = await pki;
  const sim = await startDirectorySim({
    tls: { key: keyPem, cert: certPem, ca: caPem },
    defaultSeed: { policy: { minPwdAgeMs: 0 }, grantUnexpirePassword: true },
    ...options,
  });
  seedBulkUsers(sim.directory, { count: users, container: CHAOS_OU, prefix: 'chaos' });
  const width = Math.max(6, String(users).length);
  const names = Array.from({ length: users }, (_, i) => `chaos${String(i + 1).padStart(width, '0')}`);
  const dnOf = (sam: string): string => `CN=${sam},${CHAOS_OU},${sim.baseDn}`;
  return {
    sim,
    users: names,
    dnOf,
    passwordWrites: (sam) => sim.opLog.writesFor(dnOf(sam), { successfulOnly: true }).filter((r) => r.attribute?.toLowerCase() === 'unicodepwd').length,
    directory: directoryEntry(sim, [sim]),
  };
}

/** The agent's `directories[]` entry for one or more DCs of the sim's domain. */
export function directoryEntry(sim: DirectorySim, dcs: DirectorySim[]): TestDirectory {
  return {
    id: 'ad',
    kind: 'activeDirectory',
    urls: dcs.map((dc) => dc.ldapsUrl!),
    baseDn: sim.baseDn,
    bindDn: `${SeededAccount.svcWriteback.rdn},${sim.baseDn}`,
    bindPassword: SeededAccount.svcWriteback.password,
    caFile: sim.caFile!,
    include: [`OU=Staff,${sim.baseDn}`],
    extra: { passwordMethod: 'replace', historyOnReset: 'bestEffort', poolSize: 4 },
  };
}
