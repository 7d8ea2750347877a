import test from 'ava';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { eventually } from '../helpers/eventually.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';

// Issue 7, scenario 5: two agents of one tenant (two state directories, two registrations) share
// the load; one is killed with SIGKILL right after the directory shows one of its writes. The
// service's guarantee (docs/service.md, "Several nodes"): a command sent to an agent stays pinned to
// it, since it may have applied it; the survivor finishes every other command, and the killed agent,
// once back, answers its own from its journal or checks the directory, never writing twice.

const COMMANDS = 400;

let directory: ChaosDirectory;
let rig: ChaosRig;

test.before(async () => {
  directory = await startChaosDirectory(COMMANDS);
  rig = await ChaosRig.create({ name: 'high-availability', directories: [directory.directory], agents: 2, limits: { maxInFlight: 8 } });
  await rig.registerAll();
  await Promise.all(rig.agents.map((agent) => rig.start(agent)));
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

test.serial('two agents, one killed mid-run: the survivor finishes every command not sent to the killed one; those wait for it and finish there, none twice', async (t) => {
  const [first, second] = rig.agents as [NonNullable<(typeof rig.agents)[0]>, NonNullable<(typeof rig.agents)[1]>];
  const served = new Map<string, number>();
  rig.service.on('result', (event) => served.set(event.agentId, (served.get(event.agentId) ?? 0) + 1));
  const sentTo = new Map<string, Set<string>>();
  rig.service.on('commandSent', (event) => sentTo.set(event.commandId, (sentTo.get(event.commandId) ?? new Set()).add(event.agentId)));
  for (const user of directory.users) {
    rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 });
  }
  // Mid-run, and right after a write of the first agent landed (its result not yet sent).
  await eventually(() => rig.service.results.size >= COMMANDS / 3, { timeoutMs: 60_000, what: 'a third of the results', intervalMs: 10 });
  const writesBefore = directory.sim.opLog.all().length;
  await eventually(
    () =>
      directory.sim.opLog
        .all()
        .slice(writesBefore)
        .some((r) => r.operation === 'modify' && r.attribute?.toLowerCase() === 'unicodepwd' && r.boundDn !== ''),
    { timeoutMs: 10_000, what: "the first agent's next password write", intervalMs: 1 },
  );
  await rig.kill(first);
  const pinned = rig
    .unanswered()
    .map((c) => c.id)
    .filter((id) => sentTo.get(id)?.has(first.agentId) === true);
  t.true(pinned.length > 0, 'the killed agent had commands out');

  // Everything else finishes on the survivor; the killed agent's commands are not moved to it.
  await eventually(() => rig.unanswered().length === pinned.length, { timeoutMs: 90_000, what: 'every command not pinned to the killed agent', intervalMs: 20 });
  t.deepEqual(
    rig
      .unanswered()
      .map((c) => c.id)
      .sort(),
    [...pinned].sort(),
  );
  t.false(
    pinned.some((id) => sentTo.get(id)?.has(second.agentId) === true),
    'no command sent to the killed agent went to the survivor',
  );

  await rig.start(first);
  const missing = await rig.settle(90_000);
  t.is(missing, 0);
  t.true(
    pinned.every((id) => rig.result(id)?.agentId === first.agentId),
    'the pinned commands finished on the agent they were sent to',
  );
  const recognised = pinned.filter((id) => rig.result(id)?.details['alreadyApplied'] === true).length;
  t.log(`results by agent: ${JSON.stringify(Object.fromEntries(served))}; pinned to the killed agent: ${pinned.length}; found applied already after its restart: ${recognised}`);

  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! }, agentId: second.agentId });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe'), { code: 'OK' });
  assertAgentsUp(t, rig, [first, second]);
  const figures = await finishScenario(t, rig, {
    passwordWrites: (user) => directory.passwordWrites(user),
    extra: { agents: 2, pinnedToKilled: pinned.length, alreadyAppliedRecognised: recognised },
  });
  t.is(figures.codes['OK'], COMMANDS + 1, JSON.stringify(figures.codes));
  assertNoSecrets(t, rig);
});
