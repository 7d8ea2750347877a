import test from 'ava';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCheckpoint } from '../../agent/audit/audit-checkpoint.js';
import { Feature, Subprotocol, auditCheckpointMessage, encodeMessage, signAuditCheckpoint } from '../../protocol/index.js';
import { CheckpointRefusal, IgnoredFrame, type ServiceSim } from '../../service-sim/index.js';
import { CheckpointRegression } from '../../service/store/checkpoint-regression.js';
import { runCli } from '../helpers/agent-process.js';
import { eventually } from '../helpers/eventually.js';
import { InProcessAgent } from '../helpers/in-process-agent.js';
import { connectAgent, newIdentity, startService } from '../service-sim/helpers/fixtures.js';
import { newAgentKeys } from '../service-sim/helpers/test-agent.js';

// Audit checkpoints held off the host (issue 24, item 9; docs/protocol.md, "Audit checkpoints"):
// the real agent runtime, a real service-sim over wss and a directory-sim DC, all on loopback.

const BOTH = [Feature.keyRotation, Feature.auditCheckpoint];

/** The auditCheckpoint frames the service received, in order. */
function checkpointFrames(sim: ServiceSim): { connectionId: number; checkpoint: unknown }[] {
  return sim.transcript.entries
    .filter((e) => e.direction === 'in' && e.text.includes('"type":"auditCheckpoint"'))
    .map((e) => ({ connectionId: e.connectionId, checkpoint: (JSON.parse(e.text) as { checkpoint: unknown }).checkpoint }));
}

test('the agent reports its checkpoint after audited commands, at stop and after each welcome; the service holds it, and it catches a truncated log', async (t) => {
  const rig = await InProcessAgent.create({ features: BOTH });
  t.teardown(() => rig.close());
  const { service: sim, agentId } = rig;
  t.like(sim.session(agentId), { protocol: Subprotocol.v2, features: BOTH });
  t.is(await sim.auditCheckpoint(agentId), undefined, 'a fresh log has nothing to report');

  const first = sim.waitFor('auditCheckpoint', (e) => e.agentId === agentId, 15_000);
  t.is((await rig.command()).code, 'OK');
  const reported = await first;
  t.deepEqual(reported.checkpoint, await readCheckpoint(rig.config.audit.file), 'the checkpoint written beside the log');
  t.deepEqual((await sim.auditCheckpoint(agentId))?.checkpoint, reported.checkpoint);

  // Within the minute no new checkpoint is signed; the last one is signed and sent at stop.
  t.is((await rig.command()).code, 'OK');
  t.is((await rig.command()).code, 'OK');
  await rig.stopAgent();
  const held = (await sim.auditCheckpoint(agentId))!.checkpoint;
  t.is(held.bytes, (await stat(rig.config.audit.file)).size, 'the checkpoint the service holds covers the whole log');
  t.deepEqual(held, await readCheckpoint(rig.config.audit.file));

  // After the next welcome the agent reports its latest again (the service may have lost it).
  const before = checkpointFrames(sim).length;
  await rig.start();
  const connectionId = sim.session(agentId)!.connectionId;
  await eventually(() => checkpointFrames(sim).some((f) => f.connectionId === connectionId), { timeoutMs: 10_000, what: 'the checkpoint after the welcome' });
  t.deepEqual(checkpointFrames(sim).at(-1)!.checkpoint, held);
  t.is(checkpointFrames(sim).length, before + 1);
  await rig.stopAgent();

  // The admin fetches the held checkpoint and checks the log on the host with it.
  const file = join(rig.dir, 'held-checkpoint.json');
  await writeFile(file, `${JSON.stringify((await sim.auditCheckpoint(agentId))!.checkpoint)}\n`);
  const intact = await runCli(['audit', 'verify', '--config', join(rig.dir, 'agent.json'), '--checkpoint', file]);
  t.is(intact.code, 0, intact.stdout + intact.stderr);
  t.regex(intact.stdout, /audit log intact: \d+ lines.*held off this host/);

  // Someone on the host drops the last line and the checkpoint beside the log: the held one still tells.
  const text = await readFile(rig.config.audit.file, 'utf8');
  const lines = text.split('\n').filter((line) => line !== '');
  await truncate(rig.config.audit.file, Buffer.byteLength(text) - Buffer.byteLength(`${lines.at(-1)!}\n`));
  await writeFile(`${rig.config.audit.file}.checkpoint`, '');
  const truncated = await runCli(['audit', 'verify', '--config', join(rig.dir, 'agent.json'), '--checkpoint', file]);
  t.is(truncated.code, 1, truncated.stdout + truncated.stderr);
  t.regex(truncated.stdout, /audit log BROKEN .*ends before the line its signed checkpoint .* names \(truncated or rebuilt\)/);

  // A checkpoint the agent's key did not sign proves nothing.
  const forged = signAuditCheckpoint({ lastHash: 'f'.repeat(64), bytes: 10, at: new Date().toISOString() }, newAgentKeys().signing.privateKey);
  await writeFile(file, JSON.stringify(forged));
  const refused = await runCli(['audit', 'verify', '--config', join(rig.dir, 'agent.json'), '--checkpoint', file]);
  t.is(refused.code, 1);
  t.regex(refused.stdout, /is not signed by this agent's key/);
});

test('no checkpoint goes out on a version-1 session, nor on a version-2 session without the feature', async (t) => {
  for (const options of [{ subprotocols: [Subprotocol.v1], features: BOTH }, { features: [Feature.keyRotation] }]) {
    const rig = await InProcessAgent.create(options);
    t.teardown(() => rig.close());
    t.is((await rig.command()).code, 'OK');
    await rig.stopAgent();
    t.truthy(await readCheckpoint(rig.config.audit.file), 'the checkpoint is still written beside the log');
    t.deepEqual(checkpointFrames(rig.service), [], JSON.stringify(options));
    t.is(await rig.service.auditCheckpoint(rig.agentId), undefined);
    t.deepEqual(rig.service.frameErrors, []);
  }
});

test('the service refuses a checkpoint not signed by the session agent, one naming another agent, one dated ahead of its clock, and one on a session without the feature', async (t) => {
  const sim = await startService(t, { features: BOTH });
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { subprotocols: [Subprotocol.v2], features: BOTH });
  const point = { lastHash: 'a'.repeat(64), bytes: 100, at: new Date().toISOString() };

  const forged = sim.waitFor('auditCheckpointRefused', () => true);
  agent.send(encodeMessage(auditCheckpointMessage(identity.agentId, signAuditCheckpoint(point, newAgentKeys().signing.privateKey))));
  t.is((await forged).reason, CheckpointRefusal.INVALID_SIGNATURE);

  const other = sim.waitFor('auditCheckpointRefused', () => true);
  agent.send(encodeMessage(auditCheckpointMessage('someone-else', signAuditCheckpoint(point, identity.signing.privateKey))));
  t.is((await other).reason, CheckpointRefusal.WRONG_AGENT);

  const future = sim.waitFor('auditCheckpointRefused', () => true);
  agent.send(encodeMessage(auditCheckpointMessage(identity.agentId, signAuditCheckpoint({ ...point, at: new Date(Date.now() + 3_600_000).toISOString() }, identity.signing.privateKey))));
  t.is((await future).reason, CheckpointRefusal.FROM_THE_FUTURE);
  t.is(await sim.auditCheckpoint(identity.agentId), undefined);

  // The genuine one is held; an older one afterwards (a replay) changes nothing.
  const held = sim.waitFor('auditCheckpoint', (e) => e.agentId === identity.agentId);
  const genuine = signAuditCheckpoint(point, identity.signing.privateKey);
  agent.send(encodeMessage(auditCheckpointMessage(identity.agentId, genuine)));
  t.like(await held, { checkpoint: genuine, regression: null });
  // Later, the same length ending in another line: the service's own judgement names the rewrite.
  const rewritten = sim.waitFor('auditCheckpoint', (e) => e.agentId === identity.agentId);
  const rewrittenPoint = signAuditCheckpoint({ ...point, lastHash: 'b'.repeat(64), at: new Date(Date.parse(point.at) + 500).toISOString() }, identity.signing.privateKey);
  agent.send(encodeMessage(auditCheckpointMessage(identity.agentId, rewrittenPoint)));
  t.like(await rewritten, { checkpoint: rewrittenPoint, regression: CheckpointRegression.OTHER_HEAD });
  agent.send(
    encodeMessage(auditCheckpointMessage(identity.agentId, signAuditCheckpoint({ ...point, bytes: 200, at: new Date(Date.parse(point.at) - 1000).toISOString() }, identity.signing.privateKey))),
  );

  // The same agent on a session that did not negotiate the feature.
  const plain = await connectAgent(t, sim, identity, { subprotocols: [Subprotocol.v2], features: [Feature.keyRotation] });
  const ignored = sim.waitFor('frameError', (e) => e.error === IgnoredFrame.UNEXPECTED_MESSAGE);
  plain.send(
    encodeMessage(auditCheckpointMessage(identity.agentId, signAuditCheckpoint({ ...point, bytes: 300, at: new Date(Date.parse(point.at) + 1000).toISOString() }, identity.signing.privateKey))),
  );
  await ignored;
  // The service holds the latest good checkpoint: the rewrite is in its history, as a regression, never the one held.
  t.deepEqual((await sim.auditCheckpoint(identity.agentId))?.checkpoint, genuine);
});
