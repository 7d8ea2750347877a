import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { round, userAt } from './agent-load.js';
import { benchPassword, type BenchTarget } from './bench-target.js';

const run = promisify(execFile);

export interface LdapmodifyResult {
  operations: number;
  seconds: number;
  perSecond: number;
}

/**
 * OpenLDAP's own client as a second baseline: one `ldapmodify` process, one connection, a stream
 * of userPassword replaces by DN (no lookup), as an administrator's script would send them.
 */
export async function runLdapmodifyStream(target: NonNullable<BenchTarget['ldapmodify']>, users: readonly string[], operations: number, runTag: string): Promise<LdapmodifyResult> {
  const dir = await mkdtemp(join(tmpdir(), 'wba-bench-ldapmodify-'));
  try {
    const ldif = Array.from({ length: operations }, (_, i) => {
      const user = userAt(users, i);
      return `dn: ${target.dnOf(user)}\nchangetype: modify\nreplace: userPassword\nuserPassword: ${benchPassword(runTag, i)}\n-\n`;
    }).join('\n');
    const ldifFile = join(dir, 'changes.ldif');
    const passwordFile = join(dir, 'bind.pw');
    await writeFile(ldifFile, ldif, { mode: 0o600 });
    // -y reads the file as it is: no trailing newline.
    await writeFile(passwordFile, target.bindPassword, { mode: 0o600 });
    const started = performance.now();
    await run('ldapmodify', ['-H', target.url, '-x', '-D', target.bindDn, '-y', passwordFile, '-f', ldifFile], {
      env: { ...process.env, LDAPTLS_CACERT: target.caFile, LDAPTLS_REQCERT: 'demand' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = (performance.now() - started) / 1000;
    return { operations, seconds: round(seconds, 3), perSecond: round(operations / seconds, 1) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
