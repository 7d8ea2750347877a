import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newIdentity, startService, TENANT } from './helpers/fixtures.js';
import { newAgentKeys, registerIdentity, registerOverWire, TestAgent } from './helpers/test-agent.js';

function selfSignedCert(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'service-sim-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } catch (error) {
    throw new Error('openssl is needed for the TLS test (apt-get install openssl)', { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('with a certificate the service speaks wss://, and a client that does not trust it cannot connect', async (t) => {
  const tls = selfSignedCert();
  const sim = await startService(t, { tls });
  t.regex(sim.url, /^wss:\/\/127\.0\.0\.1:\d+\/agent\/v1$/);
  const { answer } = await registerOverWire(sim.url, sim.issueRegistrationToken(TENANT), newAgentKeys());
  t.is(answer, undefined, 'no message crosses an untrusted TLS connection');
  const identity = await registerIdentity(sim.url, sim.issueRegistrationToken(TENANT), { ca: tls.cert });
  const agent = await TestAgent.connect(sim.url, identity, { ws: { ca: tls.cert } });
  t.teardown(() => agent.terminate());
  t.like(await sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' }).result, { code: 'OK', agentId: identity.agentId });
});

test('the CLI prints its URL and a registration token that registers an agent', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'service-sim/cli.ts', '--port', '0', '--tenant', 'cli-tenant'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  const printed = new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /^url=(.+)$/m.exec(out)?.[1];
      const token = /^token=(.+)$/m.exec(out)?.[1];
      if (url !== undefined && token !== undefined) resolve({ url, token });
    });
    child.once('exit', (code) => reject(new Error(`the CLI exited with ${code}`)));
  });
  const { url, token } = await printed;
  t.regex(url, /^ws:\/\/127\.0\.0\.1:\d+\/agent\/v1$/);
  const identity = await registerIdentity(url, token);
  t.is(identity.tenantId, 'cli-tenant');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exited, 0);
});

test('addAgent registers without the wire', async (t) => {
  const sim = await startService(t);
  const keys = newAgentKeys();
  const agent = await sim.addAgent({ tenantId: TENANT, signingKey: keys.signing.publicKeyRaw, encryptionKey: keys.encryption.publicKeyRaw });
  const connected = await TestAgent.connect(sim.url, { ...keys, agentId: agent.agentId, tenantId: TENANT, serviceKeys: sim.serviceKeys() });
  t.teardown(() => connected.terminate());
  t.truthy(connected.messages.find((message) => message.type === 'welcome'));
  t.not((await newIdentity(sim)).agentId, agent.agentId);
});
