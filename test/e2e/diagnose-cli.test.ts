import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { startDirectorySim, type DirectorySim } from '../../directory-sim/start-directory-sim.js';
import { ServiceSim } from '../../service-sim/index.js';
import { faultPki } from '../fixtures/network-faults/fault-pki.js';
import { startAuthProxy } from '../fixtures/network-faults/fault-servers.js';
import { runCli } from '../helpers/agent-process.js';

// `writeback-agent diagnose` as an admin runs it: a real process, a config file, real servers on loopback.

const BIND_ENV = 'WBA_DIAGNOSE_BIND';

interface Healthy {
  service: ServiceSim;
  directory: DirectorySim;
  config: string;
}

/** service-sim and directory-sim (LDAPS and ldap:// with StartTLS) with certificates valid for a year. */
async function healthyPath(t: ExecutionContext): Promise<Healthy> {
  const pki = await faultPki();
  const service = await ServiceSim.start({ tls: { cert: pki.healthy.cert, key: pki.healthy.key } });
  const directory = await startDirectorySim({ tls: { cert: pki.healthy.cert, key: pki.healthy.key, ca: pki.caPem } });
  const dir = await mkdtemp(join(tmpdir(), 'wba-diagnose-'));
  t.teardown(async () => {
    await service.stop();
    await directory.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const config = join(dir, 'agent.json');
  await writeFile(
    config,
    JSON.stringify(
      {
        service: { url: service.url, caFile: pki.caFile },
        stateDir: join(dir, 'state'),
        secretStore: 'file',
        directories: [
          {
            id: 'corp',
            kind: 'activeDirectory',
            urls: [directory.ldapsUrl, directory.ldapUrl],
            baseDn: directory.baseDn,
            bindDn: `${SeededAccount.svcWriteback.rdn},${directory.baseDn}`,
            bindPassword: { env: BIND_ENV },
            tls: { caFile: pki.caFile, startTls: true },
            scope: { include: [`OU=Staff,${directory.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] },
            timeoutMs: 3_000,
          },
        ],
        logging: { level: 'error', dir: join(dir, 'logs') },
      },
      null,
      2,
    ),
  );
  return { service, directory, config };
}

const LINE = /^(OK|WARN|FAIL|SKIP) +\w+: /;

test('a healthy path: every step OK, exit 0; --json says ok with every step', async (t) => {
  const { config, service, directory } = await healthyPath(t);
  const env = { [BIND_ENV]: SeededAccount.svcWriteback.password, HTTPS_PROXY: '', https_proxy: '' };
  const text = await runCli(['diagnose', '--config', config], { env });
  t.is(text.code, 0, text.stdout + text.stderr);
  const lines = text.stdout.split('\n');
  t.is(lines[0], `service ${service.url}`);
  const steps = lines.filter((line) => LINE.test(line));
  t.is(steps.length, 10 + 7 + 9, text.stdout);
  for (const line of steps) t.true(line.startsWith('OK '), line);
  t.true(lines.includes(`directory corp ${directory.ldapsUrl!}`));
  t.true(lines.includes(`directory corp ${directory.ldapUrl}`));
  t.regex(text.stdout, /^OK {4}clock: within \d+ s of the service/m);
  t.regex(text.stdout, /^all steps OK$/m);
  t.false(text.stdout.includes(SeededAccount.svcWriteback.password));

  const json = await runCli(['diagnose', '--config', config, '--json'], { env });
  t.is(json.code, 0);
  const report = JSON.parse(json.stdout) as { ok: boolean; steps: { path: string; step: string; status: string }[] };
  t.true(report.ok);
  t.deepEqual(
    report.steps.filter((s) => s.path === 'service').map((s) => s.step),
    ['resolve', 'proxy', 'tcp', 'tls', 'hostname', 'expiry', 'upgrade', 'subprotocol', 'challenge', 'clock'],
  );
  t.true(report.steps.every((s) => s.status === 'OK'));
});

test('HTTPS_PROXY pointing at a proxy that wants credentials: FAIL proxy with the fix, exit 1', async (t) => {
  const { config } = await healthyPath(t);
  const proxy = await startAuthProxy();
  t.teardown(() => proxy.close());
  const result = await runCli(['diagnose', '--config', config], { env: { [BIND_ENV]: SeededAccount.svcWriteback.password, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } });
  t.is(result.code, 1, result.stderr);
  t.regex(result.stdout, /^FAIL {2}proxy: proxy requires authentication: http:\/\/127\.0\.0\.1:\d+ \(from HTTPS_PROXY\) answered HTTP 407/m);
  t.regex(result.stdout, /^ {6}fix: put the proxy account in service\.proxy/m);
  t.regex(result.stdout, /^failed: service proxy \(PROXY_AUTH_REQUIRED\)$/m);
});

test('a bind password that cannot be read fails the bind step only; no config exits 2', async (t) => {
  const { config } = await healthyPath(t);
  const result = await runCli(['diagnose', '--config', config], { env: { [BIND_ENV]: '', HTTPS_PROXY: '' } });
  t.is(result.code, 1, result.stderr);
  t.regex(result.stdout, /^FAIL {2}bind: the bind password could not be read: config error at directories\[0\]\.bindPassword: environment variable WBA_DIAGNOSE_BIND is not set/m);
  t.regex(result.stdout, /^OK {4}challenge: /m);

  const missing = await runCli(['diagnose', '--config', join(tmpdir(), 'no-such-diagnose-config.json')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /^writeback-agent diagnose: /);
});
