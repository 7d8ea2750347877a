import test from 'ava';
import type { Client } from 'ldapts';
import { Attribute } from 'ldapts';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { eventually } from '../helpers/eventually.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';

// Issue 7, scenario 2 (Samba part): two real Samba AD DCs in the agent's urls; the first is
// stopped mid-run and the agent fails over to the second. The fixture's DCs are copies of one
// template and do not replicate, so each user exists on both and a password write lands on one
// of them: the writes per user are the sum, over both DCs, of how far the version of the
// user's unicodePwd moved in replPropertyMetaData (one step per password write).

const USERS = 36;
const UNICODE_PWD_ATTID = 0x9005a;

let dc1: SambaDc;
let dc2: SambaDc;
let rig: ChaosRig;
const users: string[] = Array.from({ length: USERS }, (_, i) => `chaosdc${String(i + 1).padStart(3, '0')}`);
const baseline = new Map<string, number>();

/** The version of unicodePwd in the entry's replPropertyMetaData blob (MS-DRSR REPLPROPERTYMETADATABLOB v1). */
function passwordVersion(blob: Buffer): number {
  const count = blob.readUInt32LE(8);
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 48;
    if (blob.readUInt32LE(at) === UNICODE_PWD_ATTID) return blob.readUInt32LE(at + 4);
  }
  return 0;
}

async function versions(dc: SambaDc): Promise<Map<string, number>> {
  const client = await dc.adminClient();
  try {
    const out = new Map<string, number>();
    const { searchEntries } = await client.search(dc.managedOu, {
      scope: 'one',
      filter: '(sAMAccountName=chaosdc*)',
      attributes: ['sAMAccountName', 'replPropertyMetaData'],
      explicitBufferAttributes: ['replPropertyMetaData'],
    });
    for (const entry of searchEntries) out.set(String(entry['sAMAccountName']).toLowerCase(), passwordVersion(entry['replPropertyMetaData'] as Buffer));
    return out;
  } finally {
    await client.unbind();
  }
}

async function addUsers(dc: SambaDc, password: string): Promise<void> {
  const client: Client = await dc.adminClient();
  try {
    for (const sam of users) {
      await client.add(`CN=${sam},${dc.managedOu}`, [
        new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
        new Attribute({ type: 'sAMAccountName', values: [sam] }),
        new Attribute({ type: 'userPrincipalName', values: [`${sam}@${dc.realm.toLowerCase()}`] }),
        new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }),
        new Attribute({ type: 'userAccountControl', values: ['512'] }),
      ]);
    }
  } finally {
    await client.unbind();
  }
}

test.before(async () => {
  [dc1, dc2] = await Promise.all([startSambaDc(), startSambaDc()]);
  rig = await ChaosRig.create({
    name: 'samba-failover',
    directories: [
      {
        id: 'corp',
        kind: 'activeDirectory',
        urls: [dc1.ldapsUrl, dc2.ldapsUrl],
        baseDn: dc1.baseDn,
        bindDn: dc1.svcDn,
        bindPassword: dc1.svcPassword,
        caFile: dc1.caFile,
        include: [dc1.managedOu],
        protectedGroups: [dc1.helpdeskAdminsDn],
        extra: { passwordMethod: 'replace', timeoutMs: 3_000, poolSize: 2 },
      },
    ],
  });
  const initial = rig.password();
  await Promise.all([addUsers(dc1, initial), addUsers(dc2, initial)]);
  for (const [dc, map] of [
    [dc1, await versions(dc1)],
    [dc2, await versions(dc2)],
  ] as const) {
    for (const [sam, version] of map) baseline.set(`${dc.ip} ${sam}`, version);
  }
  rig.passwords.push(dc1.adminPassword);
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await Promise.all([dc1?.destroy(), dc2?.destroy()]);
});

test.serial('the first of two DCs stopped mid-run: the agent fails over, nothing lost, nothing written twice', async (t) => {
  for (const user of users) {
    rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 });
  }
  await eventually(() => rig.service.results.size >= USERS / 3, { timeoutMs: 90_000, what: 'a third of the results before the first DC stops' });
  await dc1.stop();
  rig.fault('DC stopped (failover)');
  t.is(await rig.settle(90_000), 0);
  const onSecond = [...rig.service.results.values()].filter((r) => r.code === 'OK').length;
  t.log(`results: ${JSON.stringify([...rig.service.results.values()].reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.code]: (acc[r.code] ?? 0) + 1 }), {}))}`);
  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: users[0]! } });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe on the second DC'), { code: 'OK' });
  assertAgentsUp(t, rig);

  await dc1.start();
  const after1 = await versions(dc1);
  const after2 = await versions(dc2);
  const writes = (sam: string): number => (after1.get(sam) ?? 0) - (baseline.get(`${dc1.ip} ${sam}`) ?? 0) + (after2.get(sam) ?? 0) - (baseline.get(`${dc2.ip} ${sam}`) ?? 0);
  const onDc2 = users.filter((sam) => (after2.get(sam) ?? 0) > (baseline.get(`${dc2.ip} ${sam}`) ?? 0)).length;
  t.log(`users written on the second DC: ${onDc2}`);
  t.true(onDc2 > 0, 'the second DC took over');
  await finishScenario(t, rig, { passwordWrites: writes, extra: { directory: 'samba', okResults: onSecond, writtenOnSecondDc: onDc2 } });
  assertNoSecrets(t, rig);
});
