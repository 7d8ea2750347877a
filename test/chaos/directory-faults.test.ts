import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { eventually } from '../helpers/eventually.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';

// Issue 7, scenario 2 (directory-sim part): during a run, the DC drops connections (at once, and
// after a few operations), answers busy and unavailable, refuses new connections, and goes
// silent (a modify or search that never gets an answer). Commands caught by a fault end with a
// transient code (DIRECTORY_UNAVAILABLE or BUSY) within the driver's timeout, never hang, never
// write twice; the agent recovers by itself once the DC behaves.

const COMMANDS = 400;

let directory: ChaosDirectory;
let rig: ChaosRig;

test.before(async () => {
  directory = await startChaosDirectory(COMMANDS);
  rig = await ChaosRig.create({ name: 'directory-faults', directories: [{ ...directory.directory, extra: { ...directory.directory.extra, timeoutMs: 1_500 } }] });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

const FAULTS: { name: string; inject: (d: ChaosDirectory) => void; holdMs: number }[] = [
  { name: 'connections dropped', inject: (d) => d.sim.dropConnections(), holdMs: 0 },
  { name: 'drop after 3 operations', inject: (d) => d.sim.faults.dropAfterOperations(3), holdMs: 400 },
  { name: 'busy', inject: (d) => d.sim.faults.respond('any', 'busy'), holdMs: 400 },
  { name: 'modify never answered', inject: (d) => d.sim.faults.respond('modify', 'hang'), holdMs: 2_000 },
  { name: 'unavailable', inject: (d) => d.sim.faults.respond('search', 'unavailable'), holdMs: 400 },
  {
    name: 'connections refused',
    inject: (d) => {
      d.sim.faults.refuseConnections = true;
      d.sim.dropConnections();
    },
    holdMs: 800,
  },
  { name: 'search never answered', inject: (d) => d.sim.faults.respond('search', 'hang'), holdMs: 2_000 },
];

test.serial('a DC that drops, refuses, answers busy and goes silent mid-run: every command ends once, none written twice', async (t) => {
  const perFault = Math.floor(COMMANDS / FAULTS.length);
  let issued = 0;
  // Each fault strikes while a batch is in flight: some of it done, the rest still to come.
  for (const fault of FAULTS) {
    const before = rig.service.results.size;
    for (const user of directory.users.slice(issued, issued + perFault)) {
      rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 });
    }
    issued += perFault;
    await eventually(() => rig.service.results.size >= before + perFault / 4, { timeoutMs: 30_000, what: `a quarter of the batch before "${fault.name}"`, intervalMs: 2 });
    fault.inject(directory);
    rig.fault(fault.name);
    if (fault.holdMs > 0) await delay(fault.holdMs);
    directory.sim.faults.clear();
  }
  for (const user of directory.users.slice(issued)) {
    rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 });
  }
  t.is(rig.faultCount, FAULTS.length, 'every fault was injected mid-run');
  const missing = await rig.settle(60_000);
  t.is(missing, 0);

  const transient = [...rig.service.results.values()].filter((r) => r.code !== 'OK');
  t.log(`results other than OK: ${transient.length}`);
  for (const result of transient) t.true(['DIRECTORY_UNAVAILABLE', 'BUSY'].includes(result.code), `${result.code}: ${result.message}`);
  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe'), { code: 'OK' });
  assertAgentsUp(t, rig);
  await finishScenario(t, rig, { passwordWrites: (user) => directory.passwordWrites(user) });
  assertNoSecrets(t, rig);
});
