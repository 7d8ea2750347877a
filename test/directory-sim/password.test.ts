import test, { type ExecutionContext } from 'ava';
import { Attribute, Change, type Client } from 'ldapts';
import { Oid } from '../../ldap-constants/oids.js';
import { msFromFiletime } from '../../directory-sim/ad/filetime.js';
import type { DirectorySim } from '../../directory-sim/start-directory-sim.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { RawControl, sequenceOfSmallInteger } from './helpers/raw-control.js';
import { boundClient, dnOf, failure, ldapClient, ldapsClient, quotedUtf16, startSim } from './helpers/with-sim.js';

const windowsPolicy = /^0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 \(CONSTRAINT_ATT_TYPE\), data 0, Att 9005a \(unicodePwd\)/;
const windowsAccess = /^00002098: SecErr: DSID-03150F94, problem 4003 \(INSUFF_ACCESS_RIGHTS\), data 0/;
const sambaPolicy = (reason: string): RegExp => new RegExp(`^0000052D: Constraint violation - check_password_restrictions: ${reason}`);

function reset(password: string): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [quotedUtf16(password)] }) });
}

function change(oldPassword: string, newPassword: string): Change[] {
  return [
    new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [quotedUtf16(oldPassword)] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [quotedUtf16(newPassword)] }) }),
  ];
}

function replace(type: string, value: string): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });
}

async function attribute(client: Client, dn: string, name: string): Promise<unknown> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes: [name] });
  return searchEntries[0]?.[name];
}

async function canBind(sim: DirectorySim, dn: string, password: string): Promise<true | string> {
  const client = ldapsClient(sim);
  try {
    await client.bind(dn, password);
    return true;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.unbind();
  }
}

test('svc-writeback resets a user of the delegated OU; without Unexpire Password pwdLastSet stays 0 until it writes -1', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  const alice = dnOf(sim, 'alice');
  await svc.modify(alice, reset('New#Secret22'));
  t.is(await attribute(svc, alice, 'pwdLastSet'), '0');
  t.regex(String(await canBind(sim, alice, 'New#Secret22')), /data 773/);
  await svc.modify(alice, replace('pwdLastSet', '-1'));
  t.true(Math.abs(msFromFiletime(BigInt(String(await attribute(svc, alice, 'pwdLastSet')))) - Date.now()) < 60_000);
  t.is(await canBind(sim, alice, 'New#Secret22'), true);
  t.regex(String(await canBind(sim, alice, SeededAccount.alice.password)), /data 52e/);
  // Inheritance reaches the OU below the delegated one.
  await svc.modify(dnOf(sim, 'frank'), reset('New#Secret44'));
  const writes = sim.opLog.writesFor(alice, { successfulOnly: true });
  t.deepEqual(
    writes.map((record) => [record.attribute, record.change, record.boundDn]),
    [
      ['unicodePwd', 'replace', dnOf(sim, 'svcWriteback')],
      ['pwdLastSet', 'replace', dnOf(sim, 'svcWriteback')],
    ],
  );
  t.is(writes[0]!.values, undefined);
  t.false(JSON.stringify(sim.opLog.all()).includes('New#Secret22'));
  await svc.unbind();
});

test('with Unexpire Password on the domain root a reset sets pwdLastSet to now', async (t) => {
  const sim = await startSim({ defaultSeed: { grantUnexpirePassword: true } });
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  await svc.modify(dnOf(sim, 'bob'), reset('New#Secret33'));
  t.not(await attribute(svc, dnOf(sim, 'bob'), 'pwdLastSet'), '0');
  t.is(await canBind(sim, dnOf(sim, 'bob'), 'New#Secret33'), true);
  await svc.unbind();
});

test('Windows: refusals outside the delegation, on protected accounts, and without TLS', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  for (const target of ['mallory', 'patAdmin', 'administrator'] as const) {
    const error = await failure(svc.modify(dnOf(sim, target), reset('New#Pass2222')));
    t.is(error.code, 50, target);
    t.regex(error.message, windowsAccess);
  }
  const attributeError = await failure(svc.modify(dnOf(sim, 'mallory'), replace('pwdLastSet', '-1')));
  t.is(attributeError.code, 50);
  t.regex(attributeError.message, windowsAccess);
  t.is((await failure(svc.modify(dnOf(sim, 'alice'), replace('description', 'x')))).code, 50);
  await svc.unbind();

  const plain = ldapClient(sim);
  await plain.bind(dnOf(sim, 'svcWriteback'), SeededAccount.svcWriteback.password);
  const tlsError = await failure(plain.modify(dnOf(sim, 'alice'), reset('New#Pass2222')));
  t.is(tlsError.code, 53);
  t.regex(tlsError.message, /^0000001F: SvcErr: DSID-031A126C, problem 5003 \(WILL_NOT_PERFORM\)/);
  await plain.unbind();
  t.is(sim.opLog.writesFor(dnOf(sim, 'mallory'), { successfulOnly: true }).length, 0);
});

test('Samba: refusal texts of the acl module', async (t) => {
  const sim = await startSim({ mode: 'samba' });
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  const resetError = await failure(svc.modify(dnOf(sim, 'mallory'), reset('New#Pass2222')));
  t.is(resetError.code, 50);
  t.regex(resetError.message, /^error in module acl: insufficient access rights during LDB_MODIFY \(50\) Code: 0x32$/);
  const attributeError = await failure(svc.modify(dnOf(sim, 'mallory'), replace('lockoutTime', '0')));
  t.is(attributeError.code, 50);
  t.true(attributeError.message.startsWith(`00002098: Object ${dnOf(sim, 'mallory')} has no write property access`));
  await svc.unbind();
});

test('pwdLastSet takes only 0 and -1; lockoutTime only 0', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const svc = await boundClient(sim, 'svcWriteback');
  t.is((await failure(svc.modify(dnOf(sim, 'alice'), replace('pwdLastSet', '133000000000000000')))).code, 53);
  t.is((await failure(svc.modify(dnOf(sim, 'alice'), replace('lockoutTime', '1')))).code, 53);
  await svc.modify(dnOf(sim, 'alice'), replace('pwdLastSet', '0'));
  t.regex(String(await canBind(sim, dnOf(sim, 'alice'), SeededAccount.alice.password)), /data 773/);
  await svc.unbind();
});

for (const mode of ['windows', 'samba'] as const) {
  const expectPolicy = (t: ExecutionContext, error: { code: number; message: string }, reason: string): void => {
    t.is(error.code, 19);
    t.regex(error.message, mode === 'windows' ? windowsPolicy : sambaPolicy(reason));
  };

  test(`${mode}: reset enforces length and complexity, history only with the policy hints control`, async (t) => {
    const sim = await startSim({ mode });
    t.teardown(() => sim.stop());
    const svc = await boundClient(sim, 'svcWriteback');
    const bob = dnOf(sim, 'bob');
    expectPolicy(t, await failure(svc.modify(bob, reset('Ab#1'))), 'the password is too short. It should be equal or longer than 7 characters!');
    expectPolicy(t, await failure(svc.modify(bob, reset('alllowercaseletters'))), 'the password does not meet the complexity criteria!');
    expectPolicy(t, await failure(svc.modify(bob, reset('xx-Bob-xx-1'))), 'the password does not meet the complexity criteria!');
    // The current password again: no history check on a plain reset.
    await svc.modify(bob, reset(SeededAccount.bob.password));
    const hints = new RawControl(Oid.policyHints, sequenceOfSmallInteger(1), true);
    if (mode === 'windows') {
      expectPolicy(t, await failure(svc.modify(bob, reset(SeededAccount.bob.password), hints)), '');
      await svc.modify(bob, reset('Fresh#Pw987'), hints);
    } else {
      const error = await failure(svc.modify(bob, reset(SeededAccount.bob.password), hints));
      t.is(error.code, 12);
      // Samba sends no diagnostic text with rc 12 (ldapts then shows only the code).
      t.is(error.message, ' Code: 0xc');
      // Not critical: Samba ignores it and history stays unchecked.
      await svc.modify(bob, reset(SeededAccount.bob.password), new RawControl(Oid.policyHints, sequenceOfSmallInteger(1), false));
    }
    await svc.unbind();
  });

  test(`${mode}: a user's change checks the old password, age, rules and history`, async (t) => {
    let now = Date.now();
    const sim = await startSim({ mode, clock: () => now });
    t.teardown(() => sim.stop());
    // Bound as the service account: Everyone holds Change Password, as in AD.
    const svc = await boundClient(sim, 'svcWriteback');
    const alice = dnOf(sim, 'alice');
    const wrongOld = await failure(svc.modify(alice, change('Wrong#Old111', 'Next#Pw4444')));
    t.is(wrongOld.code, 19);
    t.regex(
      wrongOld.message,
      mode === 'windows' ? /^00000056: AtrErr: DSID-03190F80, #1:/ : /^00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match!/,
    );
    expectPolicy(t, await failure(svc.modify(alice, change(SeededAccount.alice.password, 'Ab#1'))), 'the password is too short');
    expectPolicy(t, await failure(svc.modify(alice, change(SeededAccount.alice.password, 'nocomplexity'))), 'the password does not meet the complexity criteria!');
    expectPolicy(t, await failure(svc.modify(alice, change(SeededAccount.alice.password, SeededAccount.alice.password))), 'the password was already used \\(previous password\\)!');
    await svc.modify(alice, change(SeededAccount.alice.password, 'Second#Pw22'));
    expectPolicy(t, await failure(svc.modify(alice, change('Second#Pw22', 'Third#Pw333'))), 'password is too young to change!');
    now += 25 * 3600_000;
    expectPolicy(t, await failure(svc.modify(alice, change('Second#Pw22', SeededAccount.alice.password))), 'the password was already used \\(in history\\)!');
    await svc.modify(alice, change('Second#Pw22', 'Third#Pw333'));
    t.is(await canBind(sim, alice, 'Third#Pw333'), true);
    const dump = JSON.stringify(sim.opLog.all());
    for (const secret of ['Second#Pw22', 'Third#Pw333', SeededAccount.alice.password]) t.false(dump.includes(secret));
    await svc.unbind();
  });
}

test('nothing the server logs or records holds a password', async (t) => {
  const lines: string[] = [];
  const sim = await startSim({ logger: { debug: (line) => lines.push(line), warn: (line) => lines.push(line) } });
  t.teardown(() => sim.stop());
  const secrets = ['Logged#Never1', 'Logged#Never2', 'Wrong#Old0000', SeededAccount.svcWriteback.password, SeededAccount.bob.password];
  const svc = await boundClient(sim, 'svcWriteback');
  await svc.modify(dnOf(sim, 'bob'), reset('Logged#Never1'));
  await failure(svc.modify(dnOf(sim, 'bob'), change('Wrong#Old0000', 'Logged#Never2')));
  await failure(svc.modify(dnOf(sim, 'mallory'), reset('Logged#Never2')));
  await failure(svc.modify(dnOf(sim, 'bob'), reset('short')));
  await svc.unbind();
  const wrong = ldapsClient(sim);
  await failure(wrong.bind(dnOf(sim, 'bob'), 'Wrong#Old0000'));
  await wrong.unbind();
  t.true(lines.length > 0);
  const everything = JSON.stringify([lines, sim.opLog.all()]);
  for (const secret of [...secrets, 'short']) t.false(everything.includes(secret), secret);
  t.false(everything.includes(quotedUtf16('Logged#Never1').toString('hex')));
});
