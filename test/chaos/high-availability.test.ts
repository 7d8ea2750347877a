import test from 'ava';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { eventually } from '../helpers/eventually.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';

// Issue 7, scenario 5: two agents of one tenant (two state directories, two registrations) share
// the load; one is killed with SIGKILL right after the directory shows one of its writes and is
// not started again. The service re-sends that agent's outstanding commands to the other one,
// re-sealed to its key under the same id; the survivor sees the user's pwdLastSet newer than the
// command's issuedAt, checks the password at the directory, and answers without writing again.

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

test.serial('two agents, one killed mid-run: every command completes on the other, none twice', async (t) => {
  const [first, second] = rig.agents as [NonNullable<(typeof rig.agents)[0]>, NonNullable<(typeof rig.agents)[1]>];
  const served = new Map<string, number>();
  rig.service.on('result', (event) => served.set(event.agentId, (served.get(event.agentId) ?? 0) + 1));
  const redelivered: string[] = [];
  rig.service.on('commandSent', (event) => {
    if (event.redelivery && event.agentId === second.agentId) redelivered.push(event.commandId);
  });
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
  const outstandingAtKill = rig.service.outstanding(first.agentId);
  await rig.kill(first);

  const missing = await rig.settle(90_000);
  t.is(missing, 0);
  t.log(`results by agent: ${JSON.stringify(Object.fromEntries(served))}; outstanding on the killed agent: ${outstandingAtKill}; re-sent to the survivor: ${redelivered.length}`);
  t.true(redelivered.length > 0, "the killed agent's outstanding commands went to the other agent");
  const recognised = redelivered.filter((id) => rig.result(id)?.details['alreadyApplied'] === true).length;
  t.log(`re-sent commands the survivor found applied already: ${recognised}`);

  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! }, agentId: second.agentId });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe'), { code: 'OK' });
  assertAgentsUp(t, rig, [second]);
  const figures = await finishScenario(t, rig, {
    passwordWrites: (user) => directory.passwordWrites(user),
    extra: { agents: 2, redeliveredToSurvivor: redelivered.length, alreadyAppliedRecognised: recognised },
  });
  t.is(figures.codes['OK'], COMMANDS + 1, JSON.stringify(figures.codes));
  assertNoSecrets(t, rig);
});
