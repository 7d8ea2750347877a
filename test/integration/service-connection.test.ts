import test from 'ava';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceConnection, type ConnectionOptions } from '../../agent/connection/service-connection.js';
import { socketOptions } from '../../agent/connection/socket-options.js';
import { generateKeyPair, keyPairFromJwk } from '../../protocol/index.js';
import { ServiceSim } from '../../service-sim/index.js';
import { makeCa, makeServerCert } from '../fixtures/samba/tls.js';
import { testPki } from '../fixtures/slapd/tls.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { eventually } from '../helpers/eventually.js';

// The agent's WebSocket client against the real service-sim: TLS with a custom CA, a CONNECT proxy,
// liveness, close codes and the clock-skew warning.

async function tlsService(options: Parameters<typeof ServiceSim.start>[0] = {}): Promise<ServiceSim> {
  const pki = await testPki();
  return ServiceSim.start({ tls: { cert: await readFile(pki.certFile), key: await readFile(pki.keyFile) }, heartbeatIntervalMs: 1_000, ...options });
}

async function agentFor(sim: ServiceSim, overrides: Partial<ConnectionOptions> = {}) {
  const signing = generateKeyPair('Ed25519');
  const encryption = generateKeyPair('X25519');
  const registered = await sim.addAgent({ tenantId: 't1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw });
  const logger = captureLogger();
  const pki = await testPki();
  const connection = new ServiceConnection({
    endpoint: { url: sim.url, allowInsecure: false, caFile: pki.caFile, proxy: null },
    agentId: registered.agentId,
    tenantId: 't1',
    agentVersion: '0.0.0-test',
    capabilities: ['getAccountState'],
    maxInFlight: 4,
    signingKey: keyPairFromJwk(signing.jwk).privateKey,
    clockSkewMs: 60_000,
    logger,
    random: () => 0,
    ...overrides,
  });
  return { connection, logger, agentId: registered.agentId };
}

test('connects over wss verified with a custom CA, signs hello, and gets welcome', async (t) => {
  const sim = await tlsService();
  const { connection, agentId } = await agentFor(sim);
  const connected = sim.waitFor('agentConnected', (s) => s.agentId === agentId, 10_000);
  connection.start();
  t.like(await connected, { agentId, maxInFlight: 4 });
  if (connection.state !== 'ready') await new Promise((resolve) => connection.once('welcome', resolve));
  t.is(connection.state, 'ready');
  await connection.stop();
  await sim.stop();
});

test('refuses a service whose certificate the configured CA did not sign', async (t) => {
  const sim = await tlsService();
  const pki = await testPki();
  const { connection, logger } = await agentFor(sim, { endpoint: { url: sim.url, allowInsecure: false, caFile: pki.otherCaFile, proxy: null } });
  // The failure is logged once its cause is known (the certificate is read again to name its issuer).
  const refused = new Promise((resolve) => connection.once('failure', resolve));
  connection.start();
  await refused;
  t.not(connection.state, 'ready');
  t.regex(logger.text(), /TLS inspection suspected \(issuer: writeback-agent test ca\)/);
  await connection.stop();
  await sim.stop();
});

test('goes through an HTTPS proxy with CONNECT', async (t) => {
  const sim = await tlsService();
  const tunnels: string[] = [];
  const sockets: Socket[] = [];
  const proxy: Server = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client: Socket, head) => {
    tunnels.push(req.url ?? '');
    sockets.push(client);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const pki = await testPki();
  const { connection, agentId } = await agentFor(sim, { endpoint: { url: sim.url, allowInsecure: false, caFile: pki.caFile, proxy: proxyUrl } });
  const connected = sim.waitFor('agentConnected', (s) => s.agentId === agentId, 10_000);
  connection.start();
  await connected;
  t.deepEqual(tunnels, [`127.0.0.1:${sim.port}`]);
  await connection.stop();
  await sim.stop();
  // Tunnelled sockets are detached from the HTTP server: end them, or close() waits for ever.
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => proxy.close(resolve));
});

test('a service that stops answering pings is terminated and reconnected', async (t) => {
  const sim = await tlsService();
  const { connection, agentId, logger } = await agentFor(sim);
  const first = sim.waitFor('agentConnected', (s) => s.agentId === agentId, 10_000);
  connection.start();
  await first;
  const dropped = sim.waitFor('agentDisconnected', (e) => e.agentId === agentId, 10_000);
  sim.setAnswerPings(false);
  await dropped;
  t.regex(logger.text(), /no frame or pong from the service for two heartbeat intervals/);
  const second = sim.waitFor('agentConnected', (s) => s.agentId === agentId, 10_000);
  sim.setAnswerPings(true);
  await second;
  await connection.stop();
  await sim.stop();
});

test('close 4001 (unauthorized) logs what the admin should do and backs off to the maximum', async (t) => {
  const sim = await tlsService();
  const { connection, logger } = await agentFor(sim, { agentId: 'not-registered' });
  const waiting = new Promise((resolve) => connection.on('state', (state) => state === 'waiting' && resolve(state)));
  connection.start();
  await waiting;
  t.regex(logger.text(), /close 4001.*register/);
  const reconnect = logger.lines.find((l) => l.message === 'reconnecting to the service');
  t.true(Number(reconnect?.meta?.['attempt']) >= 6, 'the attempt is pinned at the 60 s ceiling');
  await connection.stop();
  await sim.stop();
});

test('close 4002 (replaced by another connection of the same agent) is logged as such', async (t) => {
  const sim = await tlsService();
  const a = await agentFor(sim);
  const first = sim.waitFor('agentConnected', (s) => s.agentId === a.agentId, 10_000);
  a.connection.start();
  await first;
  const twin = new ServiceConnection({ ...a.connection.options, logger: captureLogger() });
  const replaced = sim.waitFor('agentDisconnected', (e) => e.replaced, 10_000);
  const waiting = new Promise((resolve) => a.connection.on('state', (state) => state === 'waiting' && resolve(state)));
  twin.start();
  await replaced;
  await waiting;
  t.regex(a.logger.text(), /close 4002/);
  await twin.stop();
  await a.connection.stop();
  await sim.stop();
});

test('a clock far from the service time is warned about at welcome', async (t) => {
  const sim = await tlsService({ clock: { now: () => new Date(Date.now() + 5 * 60_000) }, clockSkewMs: Number.POSITIVE_INFINITY });
  const { connection, agentId, logger } = await agentFor(sim);
  const connected = sim.waitFor('agentConnected', (s) => s.agentId === agentId, 10_000);
  connection.start();
  await connected;
  // The service announces the session once welcome is sent; the agent reads it a moment later.
  await eventually(() => logger.text().includes('clock differs'), { timeoutMs: 10_000, what: 'the clock warning' });
  t.regex(logger.text(), /clock differs from the service's/);
  await connection.stop();
  await sim.stop();
});

test('ws:// is refused unless allowInsecure is set', (t) => {
  t.throws(() => socketOptions({ url: 'ws://127.0.0.1:1/agent/v1', allowInsecure: false, caFile: null, proxy: null }, 1000), { message: /must be wss/ });
  t.notThrows(() => socketOptions({ url: 'ws://127.0.0.1:1/agent/v1', allowInsecure: true, caFile: null, proxy: null }, 1000));
});

test('socket options verify explicitly and refuse NODE_TLS_REJECT_UNAUTHORIZED=0 (issue 24)', (t) => {
  const endpoint = { url: 'wss://127.0.0.1:1/agent/v1', allowInsecure: false, caFile: null, proxy: null };
  t.is(socketOptions(endpoint, 1000, {}).rejectUnauthorized, true);
  t.throws(() => socketOptions(endpoint, 1000, { NODE_TLS_REJECT_UNAUTHORIZED: '0' }), { message: /NODE_TLS_REJECT_UNAUTHORIZED=0/ });
});

test('through a proxy to an IP address, the certificate is checked against that IP, not "localhost" (issue 24)', async (t) => {
  // A certificate from a CA the agent trusts, for DNS:localhost and another address only.
  const dir = await mkdtemp(join(tmpdir(), 'wa-ipcert-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await makeCa(dir);
  const { certFile, keyFile } = await makeServerCert(dir, dir, '127.0.0.2', 'localhost');
  const sim = await ServiceSim.start({ tls: { cert: await readFile(certFile), key: await readFile(keyFile) }, heartbeatIntervalMs: 1_000 });
  const sockets: Socket[] = [];
  const proxy: Server = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client: Socket, head) => {
    sockets.push(client);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  t.regex(sim.url, /^wss:\/\/127\.0\.0\.1:/);
  const { connection, logger, agentId } = await agentFor(sim, { endpoint: { url: sim.url, allowInsecure: false, caFile: join(dir, 'ca.pem'), proxy: proxyUrl } });
  let connected = false;
  sim.on('agentConnected', (s) => {
    if (s.agentId === agentId) connected = true;
  });
  connection.start();
  const deadline = Date.now() + 10_000;
  while (!/IP: 127\.0\.0\.1 is not in the cert's list|ERR_TLS_CERT_ALTNAME_INVALID/.test(JSON.stringify(logger.lines)) && !connected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  t.false(connected, 'the agent must not accept a certificate that does not name the service address');
  t.regex(JSON.stringify(logger.lines), /127\.0\.0\.1|ALTNAME/);
  await connection.stop();
  await sim.stop();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => proxy.close(resolve));
});

test('a service that stops reading: the agent buffers at most maxBufferedBytes, then reconnects (issue 24)', async (t) => {
  // A bare ws server that completes the handshake, then stops reading from its socket.
  const { WebSocketServer } = await import('ws');
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  let connections = 0;
  server.on('connection', (socket) => {
    connections += 1;
    socket.send(JSON.stringify({ type: 'challenge', nonce: Buffer.alloc(32, 7).toString('base64url') }));
    socket.once('message', () => {
      socket.send(JSON.stringify({ type: 'welcome', sessionId: `s${connections}`, heartbeatIntervalMs: 60_000, serverTime: new Date().toISOString() }));
      (socket as unknown as { _socket: Socket })._socket.pause();
    });
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent/v1`;
  const signing = generateKeyPair('Ed25519');
  const logger = captureLogger();
  const connection = new ServiceConnection({
    endpoint: { url, allowInsecure: true, caFile: null, proxy: null },
    agentId: 'a1',
    tenantId: 't1',
    agentVersion: '0.0.0-test',
    capabilities: ['getAccountState'],
    maxInFlight: 4,
    signingKey: keyPairFromJwk(signing.jwk).privateKey,
    clockSkewMs: 60_000,
    logger,
    random: () => 0,
    maxBufferedBytes: 256 * 1024,
  });
  const ready = new Promise<void>((resolve) => connection.on('welcome', () => resolve()));
  connection.start();
  await ready;
  const big = { type: 'result', result: { commandId: 'x', message: 'y'.repeat(60_000) }, signature: 'z' } as never;
  let refused = false;
  const deadline = Date.now() + 10_000;
  // Keeps sending until the agent stops buffering; the socket buffers of the kernel fill first.
  while (!refused && Date.now() < deadline) {
    for (let i = 0; i < 20 && !refused; i++) refused = !connection.send(big);
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.true(refused, 'send() must refuse once maxBufferedBytes wait unsent');
  t.true(
    logger.lines.some((line) => /not reading/.test(line.message)),
    JSON.stringify(logger.lines.slice(-3)),
  );
  await connection.stop();
  for (const client of server.clients) client.terminate();
  await new Promise((resolve) => server.close(resolve));
});
