import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { Attribute } from 'ldapts';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { eventually } from '../helpers/eventually.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout, slapdTestDirectory } from '../helpers/agent-environment.js';

// Issue 7, scenario 2 (OpenLDAP part): a real slapd is stopped and started again (same ports,
// same data) twice during a run of resets through the Password Modify operation. Commands caught
// by the outage end DIRECTORY_UNAVAILABLE; the pool reconnects by itself afterwards. Writes per
// user are counted from the ppolicy overlay's pwdHistory: each user starts with one password and
// no history, and every password change pushes the previous one into it.

const USERS = 150;

let slapd: SlapdFixture;
let rig: ChaosRig;
const users = Array.from({ length: USERS }, (_, i) => `chaos${String(i + 1).padStart(4, '0')}`);
const dnOf = (uid: string): string => `uid=${uid},${slapd.layout.peopleDn}`;

test.before(async () => {
  slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0, inHistory: 20 } });
  rig = await ChaosRig.create({
    name: 'openldap-restart',
    directories: [slapdTestDirectory(slapd, { extra: { timeoutMs: 2_000, poolSize: 4 } })],
  });
  const initial = rig.password();
  rig.passwords.push(slapd.rootPassword);
  await slapd.asAdmin(async (client) => {
    for (const uid of users) {
      await client.add(dnOf(uid), [
        new Attribute({ type: 'objectClass', values: ['inetOrgPerson'] }),
        new Attribute({ type: 'uid', values: [uid] }),
        new Attribute({ type: 'cn', values: [uid] }),
        new Attribute({ type: 'sn', values: [uid] }),
        new Attribute({ type: 'userPassword', values: [initial] }),
      ]);
    }
  });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await slapd?.destroy();
});

async function historyCounts(): Promise<Map<string, number>> {
  return slapd.asAdmin(async (client) => {
    const { searchEntries } = await client.search(slapd.layout.peopleDn, { scope: 'one', filter: '(uid=chaos*)', attributes: ['uid', 'pwdHistory'] });
    const out = new Map<string, number>();
    for (const entry of searchEntries) {
      const history = entry['pwdHistory'];
      out.set(String(entry['uid']).toLowerCase(), history === undefined ? 0 : Array.isArray(history) ? history.length : 1);
    }
    return out;
  });
}

test.serial('slapd stopped and started twice mid-run: every command ends once, no password written twice', async (t) => {
  for (const uid of users) {
    rig.issue({ op: 'resetPassword', target: { by: 'uid', value: uid }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 });
  }
  for (const at of [USERS / 3, (2 * USERS) / 3]) {
    await eventually(() => rig.service.results.size >= at, { timeoutMs: 60_000, what: `${at} results before slapd stops` });
    await slapd.stop();
    rig.fault('slapd stopped and restarted');
    await delay(1_500);
    await slapd.start();
  }
  t.is(await rig.settle(90_000), 0);
  const probe = rig.issue({ op: 'getAccountState', target: { by: 'uid', value: users[0]! } });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe after the restarts'), { code: 'OK' });
  assertAgentsUp(t, rig);
  const history = await historyCounts();
  t.is(history.size, USERS);
  const figures = await finishScenario(t, rig, { passwordWrites: (uid) => history.get(uid) ?? 0, extra: { directory: 'openldap' } });
  t.true((figures.codes['OK'] ?? 0) > 0);
  for (const code of Object.keys(figures.codes)) t.true(['OK', 'DIRECTORY_UNAVAILABLE'].includes(code), code);
  assertNoSecrets(t, rig);
});
