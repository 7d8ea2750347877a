import test from 'ava';
import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import { diagnoseDirectory } from '../../agent/diagnose/directory-path.js';
import { systemLookup, type Lookup } from '../../agent/diagnose/net-probes.js';
import type { StepResult } from '../../agent/diagnose/network-causes.js';
import { diagnoseService } from '../../agent/diagnose/service-path.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { startDirectorySim } from '../../directory-sim/start-directory-sim.js';
import { ServiceSim } from '../../service-sim/index.js';
import { faultPki } from '../fixtures/network-faults/fault-pki.js';
import { startSlapd } from '../fixtures/slapd.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { startAuthProxy, startInterceptingProxy, startPortal, startSkewedService } from '../fixtures/network-faults/fault-servers.js';

// Each fault of issue 25 reproduced by a real server on loopback, and what the diagnosis says of it.

/**
 * `.invalid` resolves nowhere (RFC 6761), but this machine's resolver forwards to a DNS server off
 * loopback: the tests answer such names themselves (NXDOMAIN, as any resolver must) so no query leaves.
 */
const reservedLookup: Lookup = async (host) => {
  if (host === 'invalid' || host.endsWith('.invalid')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return systemLookup(host);
};

function step(lines: StepResult[], name: string): StepResult {
  const line = lines.find((l) => l.step === name);
  if (line === undefined) throw new Error(`no ${name} line in ${JSON.stringify(lines)}`);
  return line;
}

async function healthyService(): Promise<ServiceSim> {
  const pki = await faultPki();
  return ServiceSim.start({ tls: { cert: pki.healthy.cert, key: pki.healthy.key } });
}

const serviceDefaults = { maxSkewMs: 60_000, timeoutMs: 5_000, lookup: reservedLookup, env: {} };

test('a TLS-inspecting proxy: TLS inspection suspected, the issuer named, exempt the host', async (t) => {
  const pki = await faultPki();
  const sim = await healthyService();
  const proxy = await startInterceptingProxy(pki);
  t.teardown(async () => {
    await proxy.close();
    await sim.stop();
  });
  const lines = await diagnoseService({ ...serviceDefaults, endpoint: { url: sim.url, allowInsecure: false, caFile: pki.caFile, proxy: `http://127.0.0.1:${proxy.port}` } });
  t.is(step(lines, 'proxy').status, 'OK');
  t.deepEqual(proxy.tunnels, [new URL(sim.url).host]);
  const tls = step(lines, 'tls');
  t.is(tls.status, 'FAIL');
  t.is(tls.cause, 'TLS_INSPECTION');
  t.regex(tls.detail, /^TLS inspection suspected \(issuer: Inspecting Firewall CA \(Middlebox Inc\)\)/);
  t.regex(tls.fix ?? '', /exempt 127\.0\.0\.1 from TLS inspection/);
  t.is(step(lines, 'upgrade').status, 'SKIPPED');
});

test('a proxy that answers 407: proxy requires authentication, nothing after it is tried', async (t) => {
  const sim = await healthyService();
  const proxy = await startAuthProxy();
  t.teardown(async () => {
    await proxy.close();
    await sim.stop();
  });
  const pki = await faultPki();
  const lines = await diagnoseService({ ...serviceDefaults, endpoint: { url: sim.url, allowInsecure: false, caFile: pki.caFile, proxy: `http://someone:Proxy-Secret-5@127.0.0.1:${proxy.port}` } });
  const line = step(lines, 'proxy');
  t.is(line.status, 'FAIL');
  t.is(line.cause, 'PROXY_AUTH_REQUIRED');
  t.regex(line.detail, /^proxy requires authentication: http:\/\/127\.0\.0\.1:\d+ \(from service\.proxy\) answered HTTP 407/);
  t.false(JSON.stringify(lines).includes('Proxy-Secret-5'));
  for (const later of ['tcp', 'tls', 'upgrade', 'clock']) t.is(step(lines, later).status, 'SKIPPED');
});

test('a server that answers the upgrade with HTTP 200: named with its status', async (t) => {
  const pki = await faultPki();
  const portal = await startPortal(pki);
  t.teardown(() => portal.close());
  const lines = await diagnoseService({ ...serviceDefaults, endpoint: { url: `wss://127.0.0.1:${portal.port}/agent/v1`, allowInsecure: false, caFile: pki.caFile, proxy: null } });
  for (const ok of ['resolve', 'proxy', 'tcp', 'tls', 'hostname', 'expiry']) t.is(step(lines, ok).status, 'OK', ok);
  const upgrade = step(lines, 'upgrade');
  t.is(upgrade.status, 'FAIL');
  t.is(upgrade.cause, 'NOT_WEBSOCKET');
  t.is(upgrade.detail, 'an HTTP answer instead of a WebSocket upgrade: HTTP 200');
});

test('a service whose clock is ten minutes ahead: the skew in seconds, and NTP as the fix', async (t) => {
  const pki = await faultPki();
  const service = await startSkewedService(pki, 10 * 60_000);
  t.teardown(() => service.close());
  const lines = await diagnoseService({ ...serviceDefaults, endpoint: { url: `wss://127.0.0.1:${service.port}/agent/v1`, allowInsecure: false, caFile: pki.caFile, proxy: null } });
  t.is(step(lines, 'challenge').status, 'OK');
  const clock = step(lines, 'clock');
  t.is(clock.status, 'FAIL');
  t.is(clock.cause, 'CLOCK_SKEW');
  t.regex(clock.detail, /this machine is (599|600|601) s behind the service/);
  t.regex(clock.fix ?? '', /NTP/);
});

test('a host name that does not resolve: the service and a directory say so at the first step', async (t) => {
  const pki = await faultPki();
  const lines = await diagnoseService({ ...serviceDefaults, endpoint: { url: 'wss://reset.diagnose.invalid/agent/v1', allowInsecure: false, caFile: pki.caFile, proxy: null } });
  t.like(step(lines, 'resolve'), { status: 'FAIL', cause: 'NAME_NOT_RESOLVED' });
  t.is(step(lines, 'tcp').status, 'SKIPPED');

  const directory = await diagnoseDirectory({
    directory: adDirectory(['ldaps://dc1.diagnose.invalid:636'], pki.caFile, false),
    password: { ok: true, value: 'unused' },
    timeoutMs: 3_000,
    lookup: reservedLookup,
  });
  t.like(step(directory, 'resolve'), { status: 'FAIL', cause: 'NAME_NOT_RESOLVED', target: 'ldaps://dc1.diagnose.invalid:636', directory: 'corp' });
  t.is(step(directory, 'bind').status, 'SKIPPED');
});

test('a directory whose certificate expired: the chain is trusted, the expiry step fails with the date', async (t) => {
  const pki = await faultPki();
  const sim = await startDirectorySim({ tls: { cert: pki.expired.cert, key: pki.expired.key, ca: pki.caPem } });
  t.teardown(() => sim.stop());
  const lines = await diagnoseDirectory({
    directory: adDirectory([sim.ldapsUrl!], pki.caFile, false, sim.baseDn),
    password: { ok: true, value: SeededAccount.svcWriteback.password },
    timeoutMs: 3_000,
  });
  t.like(step(lines, 'tls'), { status: 'OK' });
  t.regex(step(lines, 'tls').detail, /issued by Example Org CA \(Example Org\)/);
  const expiry = step(lines, 'expiry');
  t.is(expiry.status, 'FAIL');
  t.is(expiry.cause, 'CERT_EXPIRED');
  t.regex(expiry.detail, /^expired 2024-02-01T00:00:00\.000Z \(subject 127\.0\.0\.1\)$/);
  t.is(step(lines, 'bind').status, 'SKIPPED');
});

test('Active Directory over ldap:// with StartTLS: bind, root DSE, signing and channel binding are OK', async (t) => {
  const pki = await faultPki();
  const sim = await startDirectorySim({ tls: { cert: pki.healthy.cert, key: pki.healthy.key, ca: pki.caPem } });
  t.teardown(() => sim.stop());
  const lines = await diagnoseDirectory({ directory: adDirectory([sim.ldapUrl], pki.caFile, true, sim.baseDn), password: { ok: true, value: SeededAccount.svcWriteback.password }, timeoutMs: 3_000 });
  for (const line of lines) t.is(line.status, 'OK', `${line.step}: ${line.detail}`);
  t.deepEqual(
    lines.map((l) => l.step),
    ['resolve', 'tcp', 'tls', 'hostname', 'expiry', 'bind', 'rootDse', 'signing', 'channelBinding'],
  );
  t.regex(step(lines, 'rootDse').detail, /^Active Directory; offers policy hints, SD flags$/);
});

test('a wrong bind password and a directory of the wrong kind are named by their own causes', async (t) => {
  const pki = await faultPki();
  const sim = await startDirectorySim({ tls: { cert: pki.healthy.cert, key: pki.healthy.key, ca: pki.caPem } });
  t.teardown(() => sim.stop());
  const wrong = await diagnoseDirectory({ directory: adDirectory([sim.ldapsUrl!], pki.caFile, false, sim.baseDn), password: { ok: true, value: 'Not-The-Password-9' }, timeoutMs: 3_000 });
  t.like(step(wrong, 'bind'), { status: 'FAIL', cause: 'BIND_REFUSED' });
  t.regex(step(wrong, 'bind').detail, /LDAP result 49, data 52e \(wrong password\)/);
  t.false(JSON.stringify(wrong).includes('Not-The-Password-9'));

  const openldap = { ...adDirectory([sim.ldapsUrl!], pki.caFile, false, sim.baseDn), kind: 'openldap' as const };
  const kind = await diagnoseDirectory({ directory: openldap, password: { ok: true, value: SeededAccount.svcWriteback.password }, timeoutMs: 3_000 });
  t.like(step(kind, 'rootDse'), { status: 'FAIL', cause: 'WRONG_DIRECTORY_KIND' });
});

function adDirectory(urls: string[], caFile: string, startTls: boolean, baseDn = 'DC=sim,DC=test'): DirectoryConfig {
  return {
    id: 'corp',
    kind: 'activeDirectory',
    urls,
    baseDn,
    bindDn: `${SeededAccount.svcWriteback.rdn},${baseDn}`,
    tls: { caFile, startTls },
    scope: { include: [`OU=Staff,${baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] },
    historyOnReset: 'bestEffort',
    passwordMethod: 'passwordModify',
    timeoutMs: 3_000,
    poolSize: 1,
    policyCacheMs: 0,
  };
}

test('OpenLDAP (slapd with ppolicy) over LDAPS and StartTLS: bind and root DSE OK, the controls named', async (t) => {
  const slapd = await startSlapd();
  t.teardown(() => slapd.destroy());
  const directory = slapd.directoryConfig({ urls: [slapd.ldapsUrl, slapd.ldapUrl], tls: { caFile: slapd.caFile, startTls: true } });
  const lines = await diagnoseDirectory({ directory, password: { ok: true, value: slapd.layout.servicePassword }, timeoutMs: 5_000 });
  // Two URLs, no signing or channel binding lines (Active Directory only).
  t.deepEqual(
    lines.map((l) => l.step),
    [...['resolve', 'tcp', 'tls', 'hostname', 'expiry', 'bind', 'rootDse'], ...['resolve', 'tcp', 'tls', 'hostname', 'expiry', 'bind', 'rootDse']],
  );
  // The fixture's certificates live two days: the expiry step warns, the others are OK.
  for (const line of lines.filter((l) => l.step !== 'expiry')) t.is(line.status, 'OK', `${line.target} ${line.step}: ${line.detail}`);
  for (const line of lines.filter((l) => l.step === 'expiry')) t.like(line, { status: 'WARN', cause: 'CERT_EXPIRES_SOON' });
  for (const line of lines.filter((l) => l.step === 'rootDse')) t.is(line.detail, 'OpenLDAP; offers Password Modify, password policy, Who Am I');
});

test('ws:// with allowInsecure against service-sim: TLS is a warning, the rest of the path is OK', async (t) => {
  const sim = await ServiceSim.start({});
  t.teardown(() => sim.stop());
  const lines = await diagnoseService({ ...serviceDefaults, endpoint: { url: sim.url, allowInsecure: true, caFile: null, proxy: null } });
  t.like(step(lines, 'tls'), { status: 'WARN' });
  t.like(step(lines, 'hostname'), { status: 'SKIPPED', detail: 'no certificate: ws://' });
  for (const name of ['resolve', 'proxy', 'tcp', 'upgrade', 'subprotocol', 'challenge', 'clock']) t.is(step(lines, name).status, 'OK', name);
});

test('a closed port and a certificate for another name: connection refused, name mismatch', async (t) => {
  const pki = await faultPki();
  // A port outside the range other tests' listen(0) draws from, so it stays closed once the sim stops.
  const closed = await ServiceSim.start({ port: await freePort(), tls: { cert: pki.healthy.cert, key: pki.healthy.key } });
  const closedUrl = closed.url;
  await closed.stop();
  const refused = await diagnoseService({ ...serviceDefaults, endpoint: { url: closedUrl, allowInsecure: false, caFile: pki.caFile, proxy: null } });
  t.like(step(refused, 'tcp'), { status: 'FAIL', cause: 'CONNECTION_REFUSED', detail: 'connection refused: ECONNREFUSED' });

  // The certificate names 127.0.0.1 and localhost; the same loopback server reached as 127.0.0.2 is another name.
  const sim = await ServiceSim.start({ host: '127.0.0.2', tls: { cert: pki.healthy.cert, key: pki.healthy.key } });
  t.teardown(() => sim.stop());
  const mismatch = await diagnoseService({ ...serviceDefaults, endpoint: { url: sim.url, allowInsecure: false, caFile: pki.caFile, proxy: null } });
  t.like(step(mismatch, 'tls'), { status: 'OK' });
  t.like(step(mismatch, 'hostname'), { status: 'FAIL', cause: 'NAME_MISMATCH' });
  t.regex(step(mismatch, 'hostname').detail, /does not name 127\.0\.0\.2$/);
});
