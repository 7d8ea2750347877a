import { Attribute } from 'ldapts';
import { encodeUnicodePwd } from '../../agent/directory/ad/unicode-pwd.js';
import { escapeFilterValue } from '../../agent/directory/ldap/escape.js';
import { startSambaDc } from '../../test/fixtures/samba.js';
import { BENCH_DIRECTORY_DEFAULTS, type BenchTarget } from '../bench-target.js';
import { directoryConfig } from '../../test/helpers/directory-config.js';

export const BENCH_SAMBA_PREFIX = 'bench';
/** Samba's user accounts: a normal enabled account (512). */
const NORMAL_ACCOUNT = '512';

/**
 * A real Samba AD DC (the test fixture, on its own 127.0.0.N) with `userCount` users added in the
 * delegated OU over LDAPS as Administrator. minPwdAge is 0 so users can be reset repeatedly.
 */
export async function sambaTarget(options: { userCount: number; poolSize: number }): Promise<BenchTarget> {
  const dc = await startSambaDc({ passwordSettings: { minAgeSeconds: 0, lockoutThreshold: 0 } });
  try {
    const users = Array.from({ length: options.userCount }, (_, i) => `${BENCH_SAMBA_PREFIX}${String(i + 1).padStart(4, '0')}`);
    const admin = await dc.adminClient();
    try {
      let next = 0;
      // Samba hashes each initial password: a few adds at a time keep seeding under a minute.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < users.length) {
            const sam = users[next++] ?? '';
            await admin.add(`CN=${sam},${dc.managedOu}`, [
              new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
              new Attribute({ type: 'sAMAccountName', values: [sam] }),
              new Attribute({ type: 'userPrincipalName', values: [`${sam}@${dc.realm.toLowerCase()}`] }),
              new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(`Bench#Seed-${sam}1`)] }),
              new Attribute({ type: 'userAccountControl', values: [NORMAL_ACCOUNT] }),
            ]);
          }
        }),
      );
    } finally {
      await admin.unbind();
    }
    return {
      name: `Samba AD DC (${options.userCount} users)`,
      key: 'samba',
      agentDirectory: directoryConfig(
        { id: 'ad', kind: 'activeDirectory', urls: [dc.ldapsUrl], baseDn: dc.baseDn, bindDn: dc.svcDn, caFile: dc.caFile, include: [dc.managedOu], protectedGroups: [dc.helpdeskAdminsDn] },
        { ...BENCH_DIRECTORY_DEFAULTS, poolSize: options.poolSize, passwordMethod: 'replace' },
      ),
      bindPassword: dc.svcPassword,
      targetBy: 'sAMAccountName',
      users,
      baseline: {
        url: dc.ldapsUrl,
        caFile: dc.caFile,
        bindDn: dc.svcDn,
        bindPassword: dc.svcPassword,
        searchBase: dc.baseDn,
        filterFor: (user) => `(sAMAccountName=${escapeFilterValue(user)})`,
        write: 'unicodePwd',
      },
      serverPid: null,
      close: () => dc.destroy(),
    };
  } catch (error) {
    await dc.destroy();
    throw error;
  }
}
