import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { escapeFilterValue } from '../../agent/directory/ldap/escape.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { BENCH_DIRECTORY_DEFAULTS, type BenchTarget } from '../bench-target.js';
import { BENCH_SIM_CONTAINER, BENCH_SIM_PREFIX } from './bench-sim-layout.js';
import { directoryConfig } from '../../test/helpers/directory-config.js';

const SERVER = fileURLToPath(new URL('./directory-sim-server.ts', import.meta.url));

/** directory-sim (Windows mode) with `userCount` delegated users, in its own process. */
export async function directorySimTarget(userCount: number, poolSize: number): Promise<BenchTarget> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, '--users', String(userCount)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    once(child, 'close').then(([code]) => Promise.reject(new Error(`directory-sim exited with ${String(code)}: ${stderr.trim()}`))),
  ]);
  const info = JSON.parse(first) as { ldapsUrl: string; caFile: string; baseDn: string; pid: number };
  const width = Math.max(6, String(userCount).length);
  const users = Array.from({ length: userCount }, (_, i) => `${BENCH_SIM_PREFIX}${String(i + 1).padStart(width, '0')}`);
  const bindDn = `${SeededAccount.svcWriteback.rdn},${info.baseDn}`;
  const bindPassword = SeededAccount.svcWriteback.password;
  return {
    name: `directory-sim (${userCount} users)`,
    key: 'directory-sim',
    agentDirectory: directoryConfig(
      { id: 'sim', kind: 'activeDirectory', urls: [info.ldapsUrl], baseDn: info.baseDn, bindDn, caFile: info.caFile, include: [`${BENCH_SIM_CONTAINER},${info.baseDn}`] },
      { ...BENCH_DIRECTORY_DEFAULTS, poolSize, passwordMethod: 'replace' },
    ),
    bindPassword,
    targetBy: 'sAMAccountName',
    users,
    baseline: {
      url: info.ldapsUrl,
      caFile: info.caFile,
      bindDn,
      bindPassword,
      searchBase: info.baseDn,
      filterFor: (user) => `(sAMAccountName=${escapeFilterValue(user)})`,
      write: 'unicodePwd',
    },
    serverPid: child.pid ?? null,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
