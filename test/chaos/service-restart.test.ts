import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';
import { freePort } from '../fixtures/slapd/free-port.js';

// Issue 7, scenario 1: the service dies and comes back on the same port every few hundred
// commands of a 2,000-command run. The agent reconnects by itself, re-sends the results the
// service never acknowledged, and the service redelivers what was outstanding.

const COMMANDS = 2_000;
const RESTART_EVERY = 400;

let directory: ChaosDirectory;
let rig: ChaosRig;

test.before(async () => {
  directory = await startChaosDirectory(COMMANDS);
  // Not a port of the kernel's choosing: the service listens on it again after each restart.
  rig = await ChaosRig.create({ name: 'service-restart', directories: [directory.directory], limits: { maxInFlight: 16 }, service: { port: await freePort() } });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

test.serial('2,000 resets with the service killed and restarted every 400 results: nothing lost, nothing applied twice', async (t) => {
  const agent = rig.agents[0]!;
  for (const user of directory.users) {
    rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 });
  }
  let nextRestart = RESTART_EVERY;
  const deadline = Date.now() + 150_000;
  while (rig.service.results.size < COMMANDS && Date.now() < deadline) {
    if (rig.service.results.size >= nextRestart && nextRestart < COMMANDS) {
      nextRestart += RESTART_EVERY;
      await rig.service.restart({ downMs: 300 });
      rig.fault('service restart');
      // Back before the next kill: the agent reconnects by itself (back-off with jitter).
      await withTimeout(
        rig.service.waitFor('agentConnected', (s) => s.agentId === agent.agentId, 70_000),
        70_000,
        'the agent to reconnect',
      );
    }
    await delay(50);
  }
  t.true(rig.faultCount >= 4, `restarts: ${rig.faultCount}`);

  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe'), { code: 'OK' });
  assertAgentsUp(t, rig);
  const figures = await finishScenario(t, rig, { passwordWrites: (user) => directory.passwordWrites(user) });
  t.is(figures.codes['OK'], COMMANDS + 1, JSON.stringify(figures.codes));
  assertNoSecrets(t, rig);
});
