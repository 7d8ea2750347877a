import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SimMode } from './ad/sim-mode.js';
import { startDirectorySim, type DirectorySimOptions } from './start-directory-sim.js';
import { makeTestPki } from './tls/make-test-pki.js';

/**
 * Runs directory-sim standalone: `npx tsx directory-sim/cli.ts [--mode samba] [--ldap-port 3890]
 * [--ldaps-port 6360] [--bulk 100000] [--ldif seed.ldif | --json seed.json] [--host 127.0.0.2]
 * [--verbose]`. A throwaway CA and server certificate are made at start; the CA file path is
 * printed. Accounts and passwords of the default seed: directory-sim/README.md.
 */
const usage = 'usage: directory-sim [--mode windows|samba] [--host 127.0.0.1] [--ldap-port N] [--ldaps-port N] [--bulk N] [--ldif FILE | --json FILE] [--verbose]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: SimMode.windows },
      host: { type: 'string', default: '127.0.0.1' },
      'ldap-port': { type: 'string', default: '0' },
      'ldaps-port': { type: 'string', default: '0' },
      bulk: { type: 'string', default: '0' },
      ldif: { type: 'string' },
      json: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.mode !== SimMode.windows && values.mode !== SimMode.samba) throw new Error(usage);
  const pki = await makeTestPki(['dc1.sim.test']);
  const options: DirectorySimOptions = {
    mode: values.mode,
    host: values.host,
    ldapPort: Number(values['ldap-port']),
    ldapsPort: Number(values['ldaps-port']),
    bulkUsers: Number(values.bulk),
    tls: { key: pki.keyPem, cert: pki.certPem, ca: pki.caPem },
    ...(values.verbose ? { logger: { debug: (message: string) => console.log(message), warn: (message: string) => console.warn(message) } } : {}),
  };
  if (values.ldif) options.seed = { ldif: await readFile(values.ldif, 'utf8') };
  else if (values.json) options.seed = { json: await readFile(values.json, 'utf8') };
  const started = performance.now();
  const sim = await startDirectorySim(options);
  console.log(`directory-sim (${sim.mode}) ready in ${Math.round(performance.now() - started)} ms: ${sim.store.size} entries under ${sim.baseDn}`);
  console.log(`  ${sim.ldapUrl}  (StartTLS available)`);
  console.log(`  ${sim.ldapsUrl ?? ''}`);
  console.log(`  CA certificate: ${sim.caFile ?? ''}`);
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
