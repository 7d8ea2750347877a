/**
 * directory-sim in a process of its own for the bench (so its CPU is not the bench's): the
 * default domain plus `--users N` generated users in OU=Bulk,OU=Staff, where svc-writeback's
 * delegated Reset Password reaches (directory-sim's own `--bulk` puts them outside it). Prints
 * one JSON line with the URLs and the CA file, then serves until SIGTERM.
 */
import { parseArgs } from 'node:util';
import { seedBulkUsers } from '../../directory-sim/seed/seed-bulk-users.js';
import { startDirectorySim } from '../../directory-sim/start-directory-sim.js';
import { makeTestPki } from '../../directory-sim/tls/make-test-pki.js';
import { BENCH_SIM_CONTAINER, BENCH_SIM_PREFIX } from './bench-sim-layout.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '1000' } } });
  const pki = await makeTestPki(['dc1.sim.test']);
  // minPwdAge 0: the bench resets each user many times; complexity and length stay on.
  const sim = await startDirectorySim({ tls: { key: pki.keyPem, cert: pki.certPem, ca: pki.caPem }, defaultSeed: { policy: { minPwdAgeMs: 0 }, grantUnexpirePassword: true } });
  seedBulkUsers(sim.directory, { count: Number(values.users), container: BENCH_SIM_CONTAINER, prefix: BENCH_SIM_PREFIX });
  console.log(JSON.stringify({ ldapsUrl: sim.ldapsUrl, caFile: sim.caFile, baseDn: sim.baseDn, pid: process.pid }));
  const stop = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
