import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { eventually } from '../helpers/eventually.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';
import { getCommand } from '../../service/store/commands.js';
import { CommandState } from '../../service/store/command-states.js';

// Issue 7, scenario 3, the long outage: the agent is killed right after a password write and
// comes back only after the command expired. It must not act on the command any more, and it
// must not claim it was refused before touching the directory either: the password is in
// place, so the result says so (OK, alreadyApplied), not EXPIRED with status `rejected`. The
// service stores a result that arrives for an expired command (the command becomes done).

const COMMANDS = 6;
const TTL_MS = 3_000;

let directory: ChaosDirectory;
let rig: ChaosRig;

test.before(async () => {
  directory = await startChaosDirectory(COMMANDS);
  directory.sim.faults.setLatency('modify', 300);
  rig = await ChaosRig.create({ name: 'agent-kill-expired', directories: [directory.directory], limits: { maxInFlight: 2 }, extraConfig: { clock: { maxSkewMs: 0 } } });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

function passwordWrites(): number {
  return directory.sim.opLog.all().filter((r) => r.operation === 'modify' && r.resultCode === 0 && r.attribute?.toLowerCase() === 'unicodepwd').length;
}

test.serial('killed after the write, back after expiry: the applied command is reported applied, never refused', async (t) => {
  const agent = rig.agents[0]!;
  for (const user of directory.users) {
    rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: TTL_MS });
  }
  await eventually(() => passwordWrites() > 0, { timeoutMs: 60_000, what: 'the first password write', intervalMs: 2 });
  await rig.kill(agent);
  const killedAt = Date.now();
  // Down past every command's expiresAt (the agent allows no skew here).
  await delay(TTL_MS + 500);
  const resentAfterExpiry: string[] = [];
  rig.service.on('commandSent', (event) => resentAfterExpiry.push(event.commandId));
  await rig.start(agent);
  // The service never sends a command again past its expiry (store/commands.ts claims unexpired ones only)...
  await delay(1_000);
  t.deepEqual(resentAfterExpiry, []);
  // ...so the agent meets one again only as a late frame: those without a result, replayed as the service first sent them.
  // Those never sent at all simply expire, without a result.
  const neverSent = new Set<string>();
  for (const { id } of rig.unanswered()) {
    const frame = rig.service.transcript.entries.find((e) => e.direction === 'out' && e.text.includes('"type":"command"') && e.text.includes(id))?.text;
    if (frame === undefined) neverSent.add(id);
    else rig.service.sendRaw(agent.agentId, frame);
  }
  await eventually(() => rig.unanswered().length === neverSent.size, { timeoutMs: 30_000, what: 'a result for every command the agent was sent' });
  for (const id of neverSent) {
    await eventually(async () => (await getCommand(rig.service.context.store.db, id))?.state === CommandState.expired, { timeoutMs: 10_000, what: `${id} expired` });
    rig.expiredUnsent.add(id);
  }
  const written = directory.users.filter((user) => directory.passwordWrites(user) > 0);
  t.true(written.length >= 1);
  let recognised = 0;
  for (const command of rig.commands) {
    if (neverSent.has(command.id)) {
      t.false(written.includes(command.target!), `${command.target!}: never sent, never written`);
      continue;
    }
    const result = rig.result(command.id)!;
    if (!written.includes(command.target!)) {
      t.not(result.code, 'OK', `${command.target!}: nothing was written, so it cannot be OK`);
      continue;
    }
    t.like(result, { code: 'OK', status: 'succeeded' }, command.target!);
    // A write can land and its result reach the journal just before the kill (seen on a loaded
    // machine): that result, computed by the first run, is sent as it is (before the kill or after
    // the restart). One computed after the restart can only come from the check: alreadyApplied.
    if (Date.parse(result.completedAt) >= killedAt) {
      t.is(result.details['alreadyApplied'], true, `${command.target!}: answered after the restart, so from the check`);
      recognised += 1;
    }
  }
  t.log(`written before the kill: ${written.length}; recognised as applied after the restart: ${recognised}`);
  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  t.like(await withTimeout(probe.issued.result, 20_000, 'the probe'), { code: 'OK' });
  assertAgentsUp(t, rig);
  await finishScenario(t, rig, { passwordWrites: (user) => directory.passwordWrites(user), extra: { appliedThenExpired: written.length } });
  assertNoSecrets(t, rig);
});
