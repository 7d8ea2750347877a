import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { assertAgentsUp, assertNoSecrets, finishScenario } from '../helpers/chaos-checks.js';
import { eventually } from '../helpers/eventually.js';
import { ChaosRig, type TrackedCommand } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';

// Issue 7, scenario 4: network stalls. The service stops answering pings mid-session (the link
// looks up, nothing comes back), and the service stalls altogether (sockets accepted, nothing
// answered: no challenge, no pong, frames not processed). The agent must notice within two
// heartbeat intervals, drop the link, keep reconnecting, and finish everything once the service
// answers again: results it sent into the stall are re-sent after the next welcome.

const BATCH = 100;
const HEARTBEAT_MS = 1_000;

let directory: ChaosDirectory;
let rig: ChaosRig;

test.before(async () => {
  directory = await startChaosDirectory(BATCH * 4);
  rig = await ChaosRig.create({ name: 'network-stall', directories: [directory.directory], service: { heartbeatIntervalMs: HEARTBEAT_MS } });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

let nextUser = 0;
function batch(count: number): TrackedCommand[] {
  const users = directory.users.slice(nextUser, nextUser + count);
  nextUser += count;
  return users.map((user) =>
    rig.issue({ op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, params: { enforceMinimumAge: false }, secret: { newPassword: rig.password() }, ttlMs: 14 * 60_000 }),
  );
}

test.serial('pings unanswered mid-session: the agent drops the dead link within two intervals and reconnects', async (t) => {
  const agent = rig.agents[0]!;
  const first = batch(BATCH);
  await eventually(() => rig.service.results.size >= BATCH / 2, { timeoutMs: 60_000, what: 'half of the first batch' });
  const disconnected = rig.service.waitFor('agentDisconnected', (e) => e.agentId === agent.agentId, 20_000);
  rig.service.setAnswerPings(false);
  rig.fault('pings unanswered');
  const started = Date.now();
  await disconnected;
  const elapsed = Date.now() - started;
  t.log(`the link was dropped ${elapsed} ms after pongs stopped`);
  await agent.process!.waitFor('no frame or pong from the service for two heartbeat intervals', 5_000);
  t.true(elapsed < 6 * HEARTBEAT_MS, "noticed within two intervals (plus a ping period and a loaded machine's timer lag)");
  rig.service.setAnswerPings(true);
  await withTimeout(
    rig.service.waitFor('agentConnected', (s) => s.agentId === agent.agentId, 30_000),
    30_000,
    'reconnect',
  );
  const results = await withTimeout(Promise.all(first.map((c) => c.issued.result)), 60_000, 'the first batch');
  t.deepEqual(
    results.filter((r) => r.code !== 'OK'),
    [],
    'every command of the first batch succeeded',
  );
});

test.serial('a stalled service (accepts, never answers): the agent gives up on the link and finishes after the stall', async (t) => {
  const agent = rig.agents[0]!;
  const second = batch(BATCH);
  await eventually(() => rig.service.results.size >= BATCH + BATCH / 3, { timeoutMs: 60_000, what: 'a third of the second batch' });
  rig.service.setStalled(true);
  rig.fault('service stalled');
  // Commands issued during the stall wait at the service; results sent into it are not acknowledged.
  const third = batch(BATCH);
  const agentLeft = rig.service.waitFor('agentDisconnected', (e) => e.agentId === agent.agentId, 20_000);
  await withTimeout(agentLeft, 20_000, 'the agent to drop the stalled link');
  await agent.process!.waitFor('no frame or pong from the service for two heartbeat intervals', 5_000);
  // The agent keeps trying: its new connections are accepted and get no challenge.
  const reconnecting = rig.service.waitFor('connection', () => true, 20_000);
  await withTimeout(reconnecting, 20_000, 'a new connection attempt during the stall');
  await delay(1_000);
  rig.service.setStalled(false);
  const results = await withTimeout(Promise.all([...second, ...third].map((c) => c.issued.result)), 90_000, 'the commands of the stall');
  t.deepEqual(
    results.filter((r) => r.code !== 'OK'),
    [],
    'every command issued before and during the stall succeeded',
  );
});

test.serial('after both stalls: nothing lost, nothing applied twice, the agent up by itself, no secret anywhere', async (t) => {
  const probe = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  t.like(await withTimeout(probe.issued.result, 30_000, 'the probe'), { code: 'OK' });
  assertAgentsUp(t, rig);
  const figures = await finishScenario(t, rig, { passwordWrites: (user) => directory.passwordWrites(user) });
  t.is(figures.codes['OK'], figures.commands, JSON.stringify(figures.codes));
  assertNoSecrets(t, rig);
});
