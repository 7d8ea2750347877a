import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { escapeFilterValue } from '../../agent/directory/ldap/escape.js';
import { requireSlapd, startSlapd, type SlapdFixture } from '../../test/fixtures/slapd.js';
import { ssha } from '../../test/fixtures/slapd/ssha.js';
import { BENCH_DIRECTORY_DEFAULTS, type BenchTarget } from '../bench-target.js';
import { directoryConfig } from '../../test/helpers/directory-config.js';

const run = promisify(execFile);
export const BENCH_SLAPD_PREFIX = 'bench';

/** Generated users under ou=people (inside the agent's scope), one shared SSHA hash, changed long ago. */
function bulkLdif(peopleDn: string, users: readonly string[]): string {
  const hash = ssha('Bench#Seed-Pass1');
  return users
    .map((uid) => `dn: uid=${uid},${peopleDn}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\nsn: ${uid}\nmail: ${uid}@example.org\nuserPassword: ${hash}\npwdChangedTime: 20200101000000Z\n`)
    .join('\n');
}

/**
 * The test slapd fixture (ppolicy, ACL delegation, LDAPS) with `userCount` extra users loaded
 * offline by slapadd between a stop and a start (fast for 100,000; ppolicy and ACLs bypassed).
 * The default policy keeps its history and quality checks; only pwdMinAge is 0 and pwdMustChange off.
 */
export async function slapdTarget(options: { userCount: number; fsync: boolean; poolSize: number }): Promise<BenchTarget> {
  const slapd: SlapdFixture = await startSlapd({ noSync: !options.fsync, policy: { minAgeSeconds: 0, mustChange: false } });
  try {
    const { layout } = slapd;
    const width = Math.max(6, String(options.userCount).length);
    const users = Array.from({ length: options.userCount }, (_, i) => `${BENCH_SLAPD_PREFIX}${String(i + 1).padStart(width, '0')}`);
    const ldifFile = join(slapd.dir, 'bench-users.ldif');
    await writeFile(ldifFile, bulkLdif(layout.peopleDn, users));
    await slapd.stop();
    await run(requireSlapd().slapadd, ['-q', '-F', join(slapd.dir, 'slapd.d'), '-b', slapd.suffix, '-l', ldifFile], { maxBuffer: 16 * 1024 * 1024 });
    await slapd.start();
    const name = `slapd (fsync ${options.fsync ? 'on' : 'off'}, ${options.userCount} users)`;
    return {
      name,
      key: options.fsync ? 'slapd-fsync' : 'slapd-nosync',
      agentDirectory: directoryConfig(
        {
          id: 'ldap',
          kind: 'openldap',
          urls: [slapd.ldapsUrl],
          baseDn: slapd.suffix,
          bindDn: layout.serviceDn,
          caFile: slapd.caFile,
          include: [layout.peopleDn],
          protectedGroups: [layout.adminsGroupDn],
        },
        { ...BENCH_DIRECTORY_DEFAULTS, poolSize: options.poolSize },
      ),
      bindPassword: layout.servicePassword,
      targetBy: 'uid',
      users,
      baseline: {
        url: slapd.ldapsUrl,
        caFile: slapd.caFile,
        bindDn: layout.serviceDn,
        bindPassword: layout.servicePassword,
        searchBase: slapd.suffix,
        filterFor: (user) => `(uid=${escapeFilterValue(user)})`,
        write: 'passwordModify',
      },
      ldapmodify: { url: slapd.ldapsUrl, caFile: slapd.caFile, bindDn: layout.serviceDn, bindPassword: layout.servicePassword, dnOf: (user) => `uid=${user},${layout.peopleDn}` },
      serverPid: slapd.pid,
      close: () => slapd.destroy(),
    };
  } catch (error) {
    await slapd.destroy();
    throw error;
  }
}
