import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';

// Issue 7, scenario 3: the agent is killed with SIGKILL at random moments and started again (as
// a service manager would). A 250 ms latency on every modify keeps a write in progress most of
// the time; half of the kills aim at the worst window on purpose: right after the directory's
// op log shows a password write, before the agent could journal and send the result. The
// redelivered command must be recognised as applied (still `received` or `applying` in the
// journal, so checked with the driver's passwordAlreadyApplied first), never written a second time.

const COMMANDS = 240;
const KILLS = 8;

let directory: ChaosDirectory;
let rig: ChaosRig;

test.before(async () => {
  directory = await startChaosDirectory(COMMANDS);
  directory.sim.faults.setLatency('modify', 250);
  rig = await ChaosRig.create({ name: 'agent-kill', directories: [directory.directory], limits: { maxInFlight: 8 } });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

/** Resolves once the op log holds more password writes than `known` (polled every 2 ms). */
async function nextPasswordWrite(known: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (passwordWrites() > known) return true;
    await delay(2);
  }
  return false;
}

function passwordWrites(): number {
  return directory.sim.opLog.all().filter((r) => r.operation === 'modify' && r.resultCode === 0 && r.attribute?.toLowerCase() === 'unicodepwd').length;
}

test.serial('SIGKILL at random moments and right after the write: every command finishes once, none is written twice', async (t) => {
  const agent = rig.agents[0]!;
  for (const user of directory.users) {
    rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 });
  }
  let seed = 0x5eed;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let afterWrite = 0;
  let randomMoment = 0;
  for (let kill = 0; kill < KILLS && rig.service.results.size < COMMANDS; kill++) {
    if (kill % 2 === 0) {
      if (!(await nextPasswordWrite(passwordWrites(), 5_000))) break;
      afterWrite++;
    } else {
      await delay(100 + Math.floor(random() * 900));
      randomMoment++;
    }
    await rig.kill(agent);
    await rig.start(agent);
  }
  t.log(`kills: ${afterWrite} right after a write, ${randomMoment} at random moments`);
  t.true(afterWrite >= 3 && randomMoment >= 3, 'the kills happened while commands were in flight');

  const missing = await rig.settle(90_000);
  t.is(missing, 0);
  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe'), { code: 'OK' });
  assertAgentsUp(t, rig);
  const recognised = [...rig.service.results.values()].filter((r) => r.details['alreadyApplied'] === true).length;
  t.log(`results recognised as already applied after a restart: ${recognised}`);
  const figures = await finishScenario(t, rig, {
    passwordWrites: (user) => directory.passwordWrites(user),
    extra: { alreadyAppliedRecognised: recognised, killsAfterWrite: afterWrite, killsAtRandom: randomMoment },
  });
  t.is(figures.codes['OK'], COMMANDS + 1, JSON.stringify(figures.codes));
  t.true(recognised > 0, 'at least one redelivered command was found applied at the directory');
  assertNoSecrets(t, rig);
});
