import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { FrameError, MAX_FRAME_BYTES, toBase64Url } from '../../protocol/index.js';
import { IgnoredFrame, ServiceErrorCode } from '../../service-sim/index.js';
import { connectAgent, newIdentity, recordingLogger, startService, TENANT } from './helpers/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { open, TestAgent, type TestAgentOptions } from './helpers/test-agent.js';

const badHellos: [string, ServiceErrorCode, (agentId: string) => TestAgentOptions['hello']][] = [
  ['signed with another key', ServiceErrorCode.INVALID_SIGNATURE, () => ({ signWith: generateKeyPairSync('ed25519').privateKey })],
  ['with a nonce that is not the challenge', ServiceErrorCode.NONCE_MISMATCH, () => ({ nonce: toBase64Url(Buffer.alloc(32, 7)) })],
  ['sent two hours ago', ServiceErrorCode.CLOCK_SKEW, () => ({ sentAt: new Date(Date.now() - 2 * 3600_000) })],
  ['for another tenant', ServiceErrorCode.TENANT_MISMATCH, () => ({ tenantId: 'tenant-b' })],
];

for (const [title, code, hello] of badHellos) {
  test(`a hello ${title} gets error ${code} and close 4001`, async (t) => {
    const sim = await startService(t);
    const identity = await newIdentity(sim);
    const refused = sim.waitFor('helloRefused');
    const agent = await TestAgent.connect(sim.url, identity, { hello: hello(identity.agentId) });
    t.like(
      agent.messages.find((message) => message.type === 'error'),
      { code },
    );
    t.is(await agent.closed, 4001);
    t.like(await refused, { code, agentId: identity.agentId });
    t.deepEqual(sim.connectedAgents(), []);
  });
}

test('a hello from an agent the service never registered gets UNKNOWN_AGENT and close 4001', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await TestAgent.connect(sim.url, { ...identity, agentId: 'f0000000-0000-4000-8000-000000000000' });
  t.like(
    agent.messages.find((message) => message.type === 'error'),
    { code: ServiceErrorCode.UNKNOWN_AGENT },
  );
  t.is(await agent.closed, 4001);
});

test('welcome carries the configured heartbeat interval and the injected clock', async (t) => {
  const now = new Date();
  now.setMilliseconds(123);
  const sim = await startService(t, { heartbeatIntervalMs: 4321, clock: { now: () => now } });
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity);
  t.like(
    agent.messages.find((message) => message.type === 'welcome'),
    { heartbeatIntervalMs: 4321, serverTime: now.toISOString() },
  );
  const challenge = agent.messages[0];
  t.is(challenge?.type, 'challenge');
});

test('a second connection of the same agent replaces the first, which is closed with 4002', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const first = await connectAgent(t, sim, identity);
  const replaced = sim.waitFor('agentDisconnected');
  const second = await connectAgent(t, sim, identity);
  t.is(await first.closed, 4002);
  t.like(
    first.messages.find((message) => message.type === 'error'),
    { code: ServiceErrorCode.REPLACED },
  );
  t.like(await replaced, { agentId: identity.agentId, replaced: true, code: 4002 });
  t.deepEqual(sim.connectedAgents(), [identity.agentId]);
  await sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' }).result;
  t.is(second.commands.length, 1);
  t.is(first.commands.length, 0);
});

test('bad frames are logged by code, never by content, and ignored: the session goes on', async (t) => {
  const logger = recordingLogger();
  const sim = await startService(t, { logger });
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity);
  const marker = 'S3cret-marker-in-a-bad-frame';
  agent.send(Buffer.from(JSON.stringify({ type: 'ack', commandId: marker })));
  agent.send(`{"type":"ack","commandId":"${marker}"`);
  agent.send(`["${marker}"]`);
  agent.send(JSON.stringify({ type: 'command', note: marker }));
  agent.send(JSON.stringify({ type: 'ack', commandId: 42, note: marker }));
  agent.send(
    JSON.stringify({ type: 'register', token: marker, agentName: 'x', hostname: 'x', agentVersion: '1', signingKey: identity.signing.publicKeyRaw, encryptionKey: identity.encryption.publicKeyRaw }),
  );
  await eventually(() => sim.frameErrors.length === 6, { timeoutMs: 5_000, what: 'sim.frameErrors.length === 6' });
  t.deepEqual(
    sim.frameErrors.map((event) => event.error),
    [FrameError.BINARY_FRAME, FrameError.INVALID_JSON, FrameError.NOT_A_MESSAGE, FrameError.UNKNOWN_TYPE, FrameError.INVALID_MESSAGE, IgnoredFrame.UNEXPECTED_MESSAGE],
  );
  t.true(sim.frameErrors.every((event) => event.agentId === identity.agentId));
  t.false(logger.lines.join('\n').includes(marker));
  t.like(await sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' }).result, { code: 'OK' });
});

test('ack and result before welcome are ignored', async (t) => {
  const sim = await startService(t, { helloTimeoutMs: 60_000 });
  const { ws, messages, closed } = open(sim.url);
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'ack', commandId: 'x' }));
  await eventually(() => sim.frameErrors.length === 1, { timeoutMs: 5_000, what: 'sim.frameErrors.length === 1' });
  t.is(sim.frameErrors[0]?.error, IgnoredFrame.UNEXPECTED_MESSAGE);
  t.deepEqual(
    messages.map((message) => message.type),
    ['challenge'],
  );
  ws.close();
  await closed;
});

test('a frame over 64 KiB is refused: ws closes the connection with 1009', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity);
  agent.send(JSON.stringify({ type: 'ack', commandId: 'x'.repeat(MAX_FRAME_BYTES) }));
  t.is(await agent.closed, 1009);
  await eventually(() => sim.frameErrors.some((event) => event.error === FrameError.FRAME_TOO_LARGE), { timeoutMs: 5_000, what: 'the FRAME_TOO_LARGE frame error' });
  t.is(sim.frameErrors.filter((event) => event.error === FrameError.FRAME_TOO_LARGE).length, 1, 'recorded once');
});

test('a connection that sends neither register nor hello in time gets HELLO_TIMEOUT and 4001', async (t) => {
  const sim = await startService(t, { helloTimeoutMs: 200 });
  const { messages, closed } = open(sim.url);
  t.is(await closed, 4001);
  t.like(messages[1], { type: 'error', code: ServiceErrorCode.HELLO_TIMEOUT });
});

test('a stalled service accepts connections and never answers; resuming sends the challenge', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  sim.setStalled(true);
  const connected = sim.waitFor('connection');
  const pending = TestAgent.connect(sim.url, identity);
  await connected;
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.deepEqual(sim.connectedAgents(), []);
  sim.setStalled(false);
  const agent = await pending;
  t.teardown(() => agent.terminate());
  t.truthy(agent.messages.find((message) => message.type === 'welcome'));
});

test('pings are answered unless the service is told to stop answering them', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity);
  // An answer gets a loaded machine's deadline; silence needs only a short wait to show.
  const pong = (waitMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      agent.socket.once('pong', () => {
        clearTimeout(timer);
        resolve(true);
      });
      agent.socket.ping();
    });
  t.true(await pong(10_000));
  sim.setAnswerPings(false);
  t.false(await pong(300));
  sim.setAnswerPings(true);
  t.true(await pong(10_000));
});

test('an agent that answers no ping is terminated after two heartbeat intervals', async (t) => {
  const sim = await startService(t, { heartbeatIntervalMs: 1000 });
  const identity = await newIdentity(sim);
  const healthy = await newIdentity(sim);
  // Dropped one to two intervals after its last frame (hello): at least one interval after it
  // began to connect, at most two (plus timer lag) after it was connected. Not timed from the
  // second agent's connect, which may itself take over a second on a loaded machine.
  const connecting = Date.now();
  const silent = await connectAgent(t, sim, identity, { ws: { autoPong: false } });
  const connected = Date.now();
  const alive = await connectAgent(t, sim, healthy);
  t.is(await silent.closed, 1006);
  const sinceConnecting = Date.now() - connecting;
  const sinceConnected = Date.now() - connected;
  t.true(sinceConnecting >= 1000 && sinceConnected < 3500, `${sinceConnecting} ms after connecting, ${sinceConnected} ms after connected`);
  await eventually(() => sim.connectedAgents().length === 1, { timeoutMs: 5_000, what: 'sim.connectedAgents().length === 1' });
  t.deepEqual(sim.connectedAgents(), [healthy.agentId]);
  t.is(alive.socket.readyState, alive.socket.OPEN);
});
