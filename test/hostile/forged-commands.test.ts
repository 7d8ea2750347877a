import test, { type ExecutionContext } from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { signCommand, type Command, type Result } from '../../protocol/index.js';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import type { CommandSpec, IssuedCommand } from '../../service-sim/index.js';
import { recordFigures } from '../helpers/chaos-figures.js';
import { findSecrets } from '../helpers/secret-scan.js';

// Hostile commands at a running agent process: forged, replayed (same id with the same or other
// content, before and after a restart), expired, future-dated, wrong agent, wrong tenant,
// unknown kid, and a downgraded sealing algorithm (re-signed and not). Each must end with the
// code SPEC.md names, without an ack for the ones refused before the journal, and never with a
// directory write (each case targets its own user, whose writes the op log counts).

let directory: ChaosDirectory;
let rig: ChaosRig;
let agentId: string;
let nextUser = 0;
const acked = new Set<string>();
const codes: Record<string, number> = {};

test.before(async () => {
  directory = await startChaosDirectory(40);
  rig = await ChaosRig.create({ name: 'forged-commands', directories: [directory.directory] });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
  agentId = rig.agents[0]!.agentId;
  rig.service.on('ack', (event) => acked.add(event.commandId));
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

/** A genuine reset for a user of its own (sealed to the agent, not yet signed or sent). */
async function reset(options: { issuedAt?: Date; ttlMs?: number } = {}): Promise<{ command: Command; user: string }> {
  const user = directory.users[nextUser++]!;
  const command = await rig.service.buildCommand(
    { ...resetSpec(user), ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }) },
    options.issuedAt === undefined ? {} : { issuedAt: options.issuedAt },
  );
  return { command, user };
}

/** The service issues a genuine reset of `user` under a chosen id (pinned to the agent), as its own command. */
function issueWithId(id: string, user: string): IssuedCommand {
  return rig.service.issueCommand({ id, ...resetSpec(user) });
}

/** A genuine reset of `user`, pinned to the agent, with a fresh password. */
function resetSpec(user: string): CommandSpec & { agentId: string } {
  return {
    tenantId: rig.tenantId,
    agentId,
    op: 'resetPassword',
    target: { by: 'sAMAccountName', value: user },
    params: { enforceMinimumAge: false },
    secret: { newPassword: rig.password() },
  };
}

/** The agent's answer: a stored result, or a refusal before authentication (which the service never stores). */
function resultOf(id: string): Promise<Result> {
  return rig.service.answer(id, 15_000).then((result) => {
    codes[result.code] = (codes[result.code] ?? 0) + 1;
    return result;
  });
}

async function refused(t: ExecutionContext, send: (command: Command) => void, code: string, options: { issuedAt?: Date; ttlMs?: number; acked?: boolean } = {}): Promise<void> {
  const { command, user } = await reset(options);
  const result = resultOf(command.id);
  send(command);
  t.like(await result, { commandId: command.id, code, status: 'rejected' });
  t.is(directory.passwordWrites(user), 0, `${code}: nothing written`);
  t.is(acked.has(command.id), options.acked ?? false, `${code}: ack only after the journal took it`);
}

test.serial('forged signature, unknown kid, and a kid naming another key: INVALID_SIGNATURE, never recorded', async (t) => {
  const stranger = generateKeyPairSync('ed25519').privateKey;
  await refused(t, (c) => rig.service.sendSignedCommand(agentId, c, { signWith: stranger }), 'INVALID_SIGNATURE');
  await refused(t, (c) => rig.service.sendSignedCommand(agentId, c, { kid: 'k-unknown', signWith: stranger }), 'INVALID_SIGNATURE');
  await refused(t, (c) => rig.service.sendSignedCommand(agentId, c, { kid: 'k-unknown', signWith: rig.service.signingPrivateKey('k1')! }), 'INVALID_SIGNATURE');
  rig.fault('forged', 3);
});

test.serial('a forged frame cannot poison a real command id: the genuine command with that id still applies once', async (t) => {
  const { command, user } = await reset();
  const forged = resultOf(command.id);
  rig.service.sendSignedCommand(agentId, command, { signWith: generateKeyPairSync('ed25519').privateKey });
  t.like(await forged, { code: 'INVALID_SIGNATURE' });
  t.false(rig.service.results.has(command.id), 'the refusal of a forged frame is not the command result');
  // The service then issues a command with that id: it applies, and its result is the one stored.
  const genuine = issueWithId(command.id, user);
  t.like(await genuine.result, { code: 'OK', status: 'succeeded' });
  t.is(directory.passwordWrites(user), 1);
  rig.fault('forged then genuine');
});

test.serial('expired and future-dated: EXPIRED after the journal (acknowledged), nothing written', async (t) => {
  await refused(t, (c) => rig.service.sendSignedCommand(agentId, c), 'EXPIRED', { issuedAt: new Date(Date.now() - 20 * 60_000), ttlMs: 10 * 60_000, acked: true });
  await refused(t, (c) => rig.service.sendSignedCommand(agentId, c), 'EXPIRED', { issuedAt: new Date(Date.now() + 10 * 60_000), ttlMs: 5 * 60_000, acked: true });
  rig.fault('expired or future', 2);
});

test.serial('wrong agent and wrong tenant, validly signed: WRONG_AGENT', async (t) => {
  await refused(t, (c) => rig.service.sendSignedCommand(agentId, { ...c, agentId: 'another-agent' }), 'WRONG_AGENT');
  await refused(t, (c) => rig.service.sendSignedCommand(agentId, { ...c, tenantId: 'another-tenant' }), 'WRONG_AGENT');
  rig.fault('wrong audience', 2);
});

test.serial('a downgraded sealing algorithm: re-signed → DECRYPTION_FAILED; not re-signed → INVALID_SIGNATURE', async (t) => {
  for (const alg of ['none', 'X25519-HKDF-SHA256-A128GCM', 'dir']) {
    await refused(t, (c) => rig.service.sendSignedCommand(agentId, { ...c, secret: { ...c.secret!, alg } }), 'DECRYPTION_FAILED', { acked: true });
    await refused(
      t,
      (c) => {
        const frame = signCommand(c, rig.service.activeKid, rig.service.signingPrivateKey(rig.service.activeKid)!);
        rig.service.sendRaw(agentId, JSON.stringify({ ...frame, command: { ...frame.command, secret: { ...frame.command.secret!, alg } } }));
      },
      'INVALID_SIGNATURE',
    );
  }
  rig.fault('downgraded alg', 6);
});

test.serial('replays: same id with the same content, then with other content, then after a restart: one write, the first result every time', async (t) => {
  const { command, user } = await reset();
  t.like(await issueWithId(command.id, user).result, { code: 'OK' });
  // The frame the service sent, replayed as it was.
  const sent = rig.service.transcript.entries.find((e) => e.direction === 'out' && e.text.includes('"type":"command"') && e.text.includes(command.id))!.text;

  const same = rig.service.waitFor('duplicateResult', (e) => e.result.commandId === command.id, 15_000);
  rig.service.sendRaw(agentId, sent);
  t.true((await same).identical, 'the recorded result, byte for byte');

  const other = await reset();
  const altered = { ...other.command, id: command.id, target: command.target! };
  const again = rig.service.waitFor('duplicateResult', (e) => e.result.commandId === command.id, 15_000);
  rig.service.sendSignedCommand(agentId, altered);
  t.true((await again).identical, 'other content under a known id: the first result, not a new action');

  await rig.kill(rig.agents[0]!);
  await rig.start(rig.agents[0]!);
  const afterRestart = rig.service.waitFor('duplicateResult', (e) => e.result.commandId === command.id, 15_000);
  rig.service.sendRaw(agentId, sent);
  t.true((await afterRestart).identical, 'answered from the journal after a restart');
  t.is(directory.passwordWrites(user), 1, 'written once');
  t.is(directory.passwordWrites(other.user), 0, 'the altered replay wrote nothing');
  rig.fault('replay', 3);
});

test.serial('after all of it: the agent runs, answers, and no password is in any file', async (t) => {
  t.true(rig.alive(rig.agents[0]!));
  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  t.like(await probe.issued.result, { code: 'OK' });
  const writes = directory.sim.opLog.all().filter((r) => r.operation === 'modify' && r.attribute?.toLowerCase() === 'unicodepwd' && r.resultCode === 0).length;
  t.is(writes, 2, 'only the two genuine commands wrote');
  t.deepEqual(findSecrets([rig.dir], rig.passwords), []);
  await recordFigures({
    scenario: 'forged-commands',
    commands: 1,
    results: 1,
    lost: 0,
    appliedTwice: 0,
    conflictingResults: 0,
    faultsInjected: rig.faultCount,
    faults: Object.fromEntries(rig.faults),
    codes,
    durationMs: Date.now() - rig.startedAt,
    hostileCommands: rig.faultCount,
  });
});
