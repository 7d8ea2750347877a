import test from 'ava';
import { Client } from 'ldapts';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { AgentEnvironment } from '../helpers/agent-environment.js';
import { runCli } from '../helpers/agent-process.js';
import { findSecrets } from '../helpers/secret-scan.js';

// The whole path over real sockets: service-sim (wss, test CA) → the agent process → a real slapd.

let slapd: SlapdFixture;
let env: AgentEnvironment;
const passwordsUsed: string[] = [];

function secret(password: string): { newPassword: string } {
  passwordsUsed.push(password);
  return { newPassword: password };
}

async function canBind(dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [await import('node:fs').then((fs) => fs.readFileSync(slapd.caFile))] } });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

test.before(async () => {
  slapd = await startSlapd({ rights: '=wm' });
  passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
  env = await AgentEnvironment.create({
    directories: [
      {
        id: 'ldap',
        kind: 'openldap',
        urls: [slapd.ldapsUrl],
        baseDn: slapd.suffix,
        bindDn: slapd.layout.serviceDn,
        bindPassword: slapd.layout.servicePassword,
        caFile: slapd.caFile,
        include: [slapd.layout.peopleDn],
        protectedGroups: [slapd.layout.adminsGroupDn],
      },
    ],
    limits: { perTargetPerMinute: 3 },
  });
  await env.register();
  await env.startAgent();
});

test.after.always(async () => {
  await env?.close();
  await slapd?.stop();
});

test.serial('resetPassword: the new password works at the directory and the result is signed and OK', async (t) => {
  const alice = slapd.users.alice;
  const result = await env.command({ op: 'resetPassword', target: { by: 'uid', value: 'alice' }, params: { enforceMinimumAge: false }, secret: secret('Fresh-Alice-2026!') });
  t.like(result, { code: 'OK', status: 'succeeded', details: { dn: alice.dn } });
  t.true(await canBind(alice.dn, 'Fresh-Alice-2026!'));
  t.false(await canBind(alice.dn, alice.password));
});
