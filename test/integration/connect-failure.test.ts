import test from 'ava';
import { join } from 'node:path';
import { registerWithService } from '../../agent/connection/register.js';
import { ServiceConnection, type ConnectionOptions } from '../../agent/connection/service-connection.js';
import type { ConnectFailure } from '../../agent/diagnose/connect-failure.js';
import { generateKeyPair, keyPairFromJwk } from '../../protocol/index.js';
import { ServiceSim } from '../../service-sim/index.js';
import { faultPki } from '../fixtures/network-faults/fault-pki.js';
import { startAuthProxy, startInterceptingProxy } from '../fixtures/network-faults/fault-servers.js';
import { AgentEnvironment, withTimeout } from '../helpers/agent-environment.js';
import { AgentProcess, runCli } from '../helpers/agent-process.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { dnOf, startSim } from '../directory-sim/helpers/with-sim.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';

// The running agent names a failed connect as `diagnose` does, and keeps the cause until a welcome.

async function healthyService(port = 0): Promise<ServiceSim> {
  const pki = await faultPki();
  return ServiceSim.start({ tls: { cert: pki.healthy.cert, key: pki.healthy.key }, port, heartbeatIntervalMs: 1_000 });
}

async function connectionTo(sim: ServiceSim, proxy: string | null) {
  const pki = await faultPki();
  const signing = generateKeyPair('Ed25519');
  const encryption = generateKeyPair('X25519');
  const registered = await sim.addAgent({ tenantId: 't1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw });
  const logger = captureLogger();
  const options: ConnectionOptions = {
    endpoint: { url: sim.url, allowInsecure: false, caFile: pki.caFile, proxy },
    agentId: registered.agentId,
    tenantId: 't1',
    agentVersion: '0.0.0-test',
    capabilities: ['getAccountState'],
    maxInFlight: 4,
    signingKey: keyPairFromJwk(signing.jwk).privateKey,
    clockSkewMs: 60_000,
    logger,
    // The first retry comes at once, later ones after 200 ms at most.
    random: () => 0,
    backoff: { baseMs: 200, maxMs: 200, resetAfterMs: 60_000 },
  };
  return { connection: new ServiceConnection(options), logger };
}

function nextFailure(connection: ServiceConnection): Promise<ConnectFailure> {
  return withTimeout(new Promise<ConnectFailure>((resolve) => connection.once('failure', resolve)), 10_000, 'a failed connect');
}

test('through a TLS-inspecting proxy: "TLS inspection suspected (issuer: …)" in the log and lastError', async (t) => {
  const pki = await faultPki();
  const sim = await healthyService();
  const proxy = await startInterceptingProxy(pki);
  const { connection, logger } = await connectionTo(sim, `http://127.0.0.1:${proxy.port}`);
  t.teardown(async () => {
    await connection.stop();
    await proxy.close();
    await sim.stop();
  });
  const failure = nextFailure(connection);
  connection.start();
  t.like(await failure, { cause: 'TLS_INSPECTION', text: 'TLS inspection suspected (issuer: Inspecting Firewall CA (Middlebox Inc))' });
  t.is(connection.lastError, 'TLS inspection suspected (issuer: Inspecting Firewall CA (Middlebox Inc))');
  t.regex(connection.lastFailure?.fix ?? '', /exempt 127\.0\.0\.1 from TLS inspection/);
  t.regex(logger.text(), /service connection failed: TLS inspection suspected \(issuer: Inspecting Firewall CA \(Middlebox Inc\)\)/);
  t.notRegex(logger.text(), /self.signed|unable to get local issuer/i);
});

test('through a proxy that answers 407: "proxy requires authentication"', async (t) => {
  const sim = await healthyService();
  const proxy = await startAuthProxy();
  const { connection, logger } = await connectionTo(sim, `http://127.0.0.1:${proxy.port}`);
  t.teardown(async () => {
    await connection.stop();
    await proxy.close();
    await sim.stop();
  });
  const failure = nextFailure(connection);
  connection.start();
  t.like(await failure, { cause: 'PROXY_AUTH_REQUIRED' });
  t.regex(connection.lastError ?? '', /^proxy requires authentication/);
  t.notRegex(logger.text(), /Unexpected server response/);
});

test('the cause stays through reconnects and clears at the next welcome', async (t) => {
  const sim = await healthyService();
  const proxy = await startAuthProxy();
  const { connection } = await connectionTo(sim, `http://127.0.0.1:${proxy.port}`);
  t.teardown(async () => {
    await connection.stop();
    await proxy.close();
    await sim.stop();
  });
  const failed = nextFailure(connection);
  connection.start();
  await failed;
  await nextFailure(connection);
  t.regex(connection.lastError ?? '', /^proxy requires authentication/);
  t.is(connection.state === 'ready', false);

  // The proxy is taken out of the path (as an admin fixing it would): the next attempt gets a session.
  connection.options.endpoint.proxy = null;
  const welcomed = withTimeout(new Promise((resolve) => connection.once('welcome', resolve)), 10_000, 'welcome');
  await welcomed;
  t.is(connection.lastError, null);
  t.is(connection.lastFailure, null);
});

test('`status` of a running agent behind a 407 proxy says "proxy requires authentication" and the fix', async (t) => {
  const directory = await startSim();
  const environment = await AgentEnvironment.create({
    directories: [
      {
        id: 'corp',
        kind: 'activeDirectory',
        urls: [directory.ldapsUrl!],
        baseDn: directory.baseDn,
        bindDn: dnOf(directory, 'svcWriteback'),
        bindPassword: SeededAccount.svcWriteback.password,
        caFile: directory.caFile!,
        include: [`OU=Staff,${directory.baseDn}`],
      },
    ],
  });
  const proxy = await startAuthProxy();
  t.teardown(async () => {
    await environment.close();
    await proxy.close();
    await directory.stop();
  });
  await environment.register();
  environment.env['HTTPS_PROXY'] = `http://127.0.0.1:${proxy.port}`;
  environment.agent = new AgentProcess(['run', '--config', environment.configFile], join(environment.dir, 'output'), 'run-407', environment.env);
  const deadline = Date.now() + 30_000;
  let text = '';
  while (Date.now() < deadline) {
    text = (await runCli(['status', '--config', environment.configFile], { env: environment.env })).stdout;
    if (/last error: proxy requires authentication/.test(text)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  t.regex(text, /^service connection: [\w ]+ \(last error: proxy requires authentication \(the proxy answered HTTP 407\)\)$/m);
  t.regex(text, /^ {2}fix: put the proxy account in service\.proxy/m);
  t.true(proxy.tunnels.length > 0);
});

test('`register` behind a proxy that answers 407 says "proxy requires authentication" and the fix', async (t) => {
  const sim = await healthyService();
  const proxy = await startAuthProxy();
  t.teardown(async () => {
    await proxy.close();
    await sim.stop();
  });
  const pki = await faultPki();
  const signing = generateKeyPair('Ed25519');
  const encryption = generateKeyPair('X25519');
  const error = await t.throwsAsync(
    registerWithService(
      { url: sim.url, allowInsecure: false, caFile: pki.caFile, proxy: `http://127.0.0.1:${proxy.port}` },
      { token: sim.issueRegistrationToken('t1'), agentName: 'a', hostname: 'h', agentVersion: '0.0.0-test', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw },
      10_000,
    ),
  );
  t.regex(
    error?.message ?? '',
    /^cannot reach the service at wss:\/\/127\.0\.0\.1:\d+\/agent\/v1: proxy requires authentication \(the proxy answered HTTP 407\); put the proxy account in service\.proxy/,
  );
});
