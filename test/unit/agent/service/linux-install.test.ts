import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FileSecretStore } from '../../../../agent/secrets/file-secret-store.js';
import { applyPlan } from '../../../../agent/service/apply-plan.js';
import { RegistrationState } from '../../../../agent/state/registration-state.js';
import { linuxInstallPlan, linuxUninstallPlan, unitFilePath, type LinuxInstallOptions } from '../../../../agent/service/linux-install.js';
import { SandboxHiddenPaths } from '../../../../agent/service/sandbox-hidden-paths.js';
import { unitArg } from '../../../../agent/service/systemd-unit.js';
import { unitVisiblePath, unitVisibleTempDir } from '../../../helpers/unit-visible-path.js';
import { serviceConfig } from './config-fixture.js';

const repo = join(import.meta.dirname, '../../../..');
/** Real files, because systemd-analyze verify checks that ExecStart= names an executable; links where the sandbox would hide them. */
const realBin = unitVisiblePath(join(repo, 'agent/cli/bin.ts'), 'bin.ts');
const unitNode = unitVisiblePath(process.execPath, 'node');

const options = (overrides: Partial<LinuxInstallOptions> = {}): LinuxInstallOptions => ({
  unitName: 'writeback-agent',
  user: 'writeback-agent',
  nodePath: unitNode,
  binPath: realBin,
  encryptedCredentials: false,
  userExists: false,
  ...overrides,
});

async function installIntoRoot(overrides: Partial<LinuxInstallOptions> = {}, config = serviceConfig()): Promise<{ root: string; unit: string; unitPath: string; log: string[] }> {
  const root = await mkdtemp(join(tmpdir(), 'wa-svc-root-'));
  const log: string[] = [];
  const plan = linuxInstallPlan(config, options(overrides));
  await applyPlan(plan, { root, log: (line) => log.push(line) });
  const unitPath = join(root, unitFilePath(overrides.unitName ?? 'writeback-agent'));
  return { root, unit: await readFile(unitPath, 'utf8'), unitPath, log };
}

function systemdAnalyze(t: { fail: (message: string) => void }, args: string[]): ReturnType<typeof spawnSync> | null {
  const run = spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice', SYSTEMD_COLORS: '0' } });
  if ((run.error as { code?: string } | undefined)?.code === 'ENOENT') {
    t.fail('systemd-analyze is missing: apt-get install systemd (.ci/run installs it)');
    return null;
  }
  return run;
}

const HARDENING = [
  'User=writeback-agent',
  'Group=writeback-agent',
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'RestrictNamespaces=yes',
  'LockPersonality=yes',
  'CapabilityBoundingSet=',
  'AmbientCapabilities=',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  'SystemCallArchitectures=native',
  'Restart=on-failure',
  'TimeoutStopSec=15s',
  'ReadWritePaths=/var/lib/writeback-agent /var/log/writeback-agent',
  'Environment=WRITEBACK_AGENT_CONFIG=/etc/writeback-agent/config.json',
  'Environment=MALLOC_ARENA_MAX=2',
  'LoadCredential=corp-bind:/etc/credstore/corp-bind',
];

test('installs into a temporary root: the hardened unit, state 0700 and logs 0750, and no command run', async (t) => {
  const { root, unit, log } = await installIntoRoot();
  const lines = unit.split('\n');
  for (const directive of HARDENING) t.true(lines.includes(directive), `missing ${directive}`);
  t.true(lines.includes(`ExecStart=${unitNode} --max-semi-space-size=8 --expose-gc ${realBin} run --config /etc/writeback-agent/config.json`));
  t.false(
    lines.some((line) => line.startsWith('MemoryDenyWriteExecute')),
    'V8 needs W+X memory',
  );
  t.regex(unit, /# MemoryDenyWriteExecute= is left out on purpose: V8/);
  t.is((await stat(join(root, 'var/lib/writeback-agent'))).mode & 0o777, 0o700);
  t.is((await stat(join(root, 'var/log/writeback-agent'))).mode & 0o777, 0o750);
  t.is((await stat(join(root, 'etc/systemd/system/writeback-agent.service'))).mode & 0o777, 0o644);
  t.true(log.includes('skipped (--root): useradd --system --user-group --no-create-home --home-dir /var/lib/writeback-agent --shell /usr/sbin/nologin writeback-agent'));
  t.true(log.includes('skipped (--root): chown -R writeback-agent:writeback-agent /var/lib/writeback-agent'));
  t.true(log.includes('skipped (--root): systemctl enable --now writeback-agent.service'));
  t.false(log.some((line) => line.startsWith('ran:')));
});

test("the directories it creates pass the agent's own checks: the file secret store and the registration open there", async (t) => {
  const { root } = await installIntoRoot();
  const stateDir = join(root, 'var/lib/writeback-agent');
  const store = await FileSecretStore.open(stateDir);
  await store.set('probe', 'value');
  t.is(await store.get('probe'), 'value');
  t.is((await RegistrationState.open(stateDir)).get(), null);
  t.is((await stat(stateDir)).mode & 0o777, 0o700, 'the agent left the mode alone');
});

test('systemd-analyze verify accepts the unit and its offline security exposure is low', async (t) => {
  const { unitPath } = await installIntoRoot();
  const verify = systemdAnalyze(t, ['verify', unitPath]);
  if (verify === null) return;
  t.is(verify.status, 0, String(verify.stderr));
  // verify exits 0 on unknown keys and unparsable values too; it only warns, so no output at all is the bar.
  t.is(`${String(verify.stdout)}${String(verify.stderr)}`.trim(), '');
  const security = systemdAnalyze(t, ['security', '--offline=true', '--no-pager', unitPath]);
  if (security === null) return;
  const level = /Overall exposure level for writeback-agent\.service: ([\d.]+)/.exec(String(security.stdout));
  t.truthy(level, String(security.stdout).slice(-500));
  t.true(Number(level![1]) <= 2.5, `exposure ${level![1]}`);
});

test('systemd-analyze verify does catch a unit whose ExecStart cannot run (so the test above means something)', async (t) => {
  const { unitPath } = await installIntoRoot({ nodePath: '/nonexistent/bin/node' });
  const verify = systemdAnalyze(t, ['verify', unitPath]);
  if (verify === null) return;
  t.not(verify.status, 0);
  t.regex(String(verify.stderr), /\/nonexistent\/bin\/node/);
  const bogus = unitPath.replace(/writeback-agent\.service$/, 'bogus.service');
  await writeFile(bogus, (await readFile(unitPath, 'utf8')).replace('ProtectSystem=strict', 'ProtectSystem=sometimes'));
  const warned = systemdAnalyze(t, ['verify', bogus]);
  t.regex(String(warned?.stderr), /ProtectSystem|protect system/i);
});

test('encrypted credentials come from /etc/credstore.encrypted; env and plain file references get instructions', (t) => {
  const plan = linuxInstallPlan(serviceConfig(), options({ encryptedCredentials: true }));
  const unit = plan.steps.find((s) => s.kind === 'file');
  t.true(unit?.kind === 'file' && unit.content.includes('LoadCredentialEncrypted=corp-bind:/etc/credstore.encrypted/corp-bind\n'));
  t.true(plan.notes.some((n) => n.includes('systemd-creds encrypt --name=corp-bind - /etc/credstore.encrypted/corp-bind')));
  t.true(plan.notes.some((n) => n.includes('PEOPLE_BIND_PASSWORD=... in /etc/writeback-agent/writeback-agent.env')));
  const withFile = serviceConfig({
    directories: [{ ...(serviceConfig().directories[0] as object), bindPassword: { file: '/etc/writeback-agent/corp.pw' }, scope: { include: ['OU=Staff,DC=corp,DC=example'] } }],
  });
  const filePlan = linuxInstallPlan(withFile, options());
  const fileUnit = filePlan.steps.find((s) => s.kind === 'file');
  t.true(fileUnit?.kind === 'file' && !fileUnit.content.includes('LoadCredential'));
  t.true(filePlan.notes.some((n) => n.includes('reads /etc/writeback-agent/corp.pw itself')));
});

test('a keychain secret store is flagged: a system service has no Secret Service on Linux', (t) => {
  const plan = linuxInstallPlan(serviceConfig({ secretStore: 'keychain' }), options());
  t.regex(plan.notes[0] ?? '', /set "secretStore": "file"/);
});

test('refuses node, the agent or writable directories where ProtectHome=yes would hide them', (t) => {
  t.throws(() => linuxInstallPlan(serviceConfig(), options({ nodePath: '/home/admin/.nvm/versions/node/v24/bin/node' })), { message: /ProtectHome=yes makes it inaccessible/ });
  t.throws(() => linuxInstallPlan(serviceConfig({ stateDir: '/root/wa-state' }), options()), { message: /\/root\/wa-state .*ProtectHome/ });
  t.throws(() => linuxInstallPlan(serviceConfig({}, '/home/admin/config.json'), options()), { message: /\/home\/admin\/config\.json \(the config file\)/ });
  t.throws(() => linuxInstallPlan(serviceConfig({ service: { url: 'wss://reset.example.com/agent/v1', caFile: '/root/ca.pem' } }), options()), { message: /\/root\/ca\.pem \(service\.caFile\)/ });
  t.throws(() => linuxInstallPlan(serviceConfig(), options({ user: 'Bad User' })), { message: /not a valid account name/ });
});

test('refuses every path the sandbox hides: /tmp and /var/tmp (PrivateTmp), /home, /root and /run/user (ProtectHome)', (t) => {
  t.throws(() => linuxInstallPlan(serviceConfig({}, '/tmp/agent/config.json'), options()), {
    message:
      '/tmp/agent/config.json (the config file) is under /tmp, which the service cannot see (PrivateTmp=yes gives the service a private, empty one); install node and the package system-wide (e.g. /usr/local or the Debian package), keep the config and CA files under /etc and stateDir and logging.dir under /var/lib and /var/log',
  });
  t.throws(() => linuxInstallPlan(serviceConfig({ stateDir: '/var/tmp/wa' }), options()), {
    message: /^\/var\/tmp\/wa \(a writable directory\) is under \/var\/tmp, which the service cannot see \(PrivateTmp=yes/,
  });
  t.throws(() => linuxInstallPlan(serviceConfig({ logging: { dir: '/run/user/0/logs' } }), options()), { message: /is under \/run\/user, which the service cannot see \(ProtectHome=yes/ });
  t.notThrows(() => linuxInstallPlan(serviceConfig({ stateDir: '/var/lib/tmp-not-tmp' }), options()), 'only /tmp itself and below, not a name that starts with it');
});

test('the refused list follows the unit: every setting in it that hides paths has its paths refused, and back', (t) => {
  const plan = linuxInstallPlan(serviceConfig(), options());
  const unit = plan.steps.find((s) => s.kind === 'file');
  const lines = unit?.kind === 'file' ? unit.content.split('\n') : [];
  for (const entry of Object.values(SandboxHiddenPaths)) {
    t.true(lines.includes(entry.setting), `the unit has no ${entry.setting}`);
    for (const dir of entry.paths) t.throws(() => linuxInstallPlan(serviceConfig({ stateDir: `${dir}/wa-state` }), options()), { message: new RegExp(entry.setting.replace(/[=]/g, '\\=')) }, dir);
  }
  // Any other setting that hides or empties part of the file system would need an entry in the table.
  const hiding = lines.filter((line) => /^(ProtectHome|PrivateTmp|TemporaryFileSystem|InaccessiblePaths|PrivateUsers|ProtectProc)=/.test(line));
  t.deepEqual(
    hiding.sort(),
    Object.values(SandboxHiddenPaths)
      .map((e) => e.setting as string)
      .sort(),
  );
});

/** Stand-ins for useradd, chown, userdel and systemctl: each records its arguments; systemctl fails on `enable`. */
async function fakeCommands(): Promise<{ dir: string; calls: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'wa-svc-bin-'));
  const record = join(dir, 'calls.log');
  const script = (body: string): string => `#!/bin/sh\necho "$(basename "$0") $*" >> '${record}'\n${body}\n`;
  for (const name of ['useradd', 'chown', 'userdel']) {
    await writeFile(join(dir, name), script('exit 0'));
    await chmod(join(dir, name), 0o755);
  }
  await writeFile(join(dir, 'systemctl'), script('[ "$1" = enable ] && exit 1\nexit 0'));
  await chmod(join(dir, 'systemctl'), 0o755);
  return {
    dir,
    calls: async () =>
      (await readFile(record, 'utf8').catch(() => ''))
        .trim()
        .split('\n')
        .filter((l) => l !== ''),
  };
}

test('a failed install rolls back what it created: directories, unit file, account; a unit that was there is restored', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'wa-svc-root-'));
  const fake = await fakeCommands();
  t.teardown(() => Promise.all([rm(root, { recursive: true, force: true }), rm(fake.dir, { recursive: true, force: true })]));
  const log: string[] = [];
  const error = await t.throwsAsync(applyPlan(linuxInstallPlan(serviceConfig(), options()), { root, commandDir: fake.dir, log: (l) => log.push(l) }));
  t.is(error.message, '`systemctl enable --now writeback-agent.service` failed (exit status 1); what this run had created was removed again, so fix that and run the command again');
  t.false(existsSync(join(root, 'var')), 'the state and log directories were removed');
  t.false(existsSync(join(root, 'etc/systemd/system/writeback-agent.service')), 'the unit file was removed');
  t.deepEqual(await fake.calls(), [
    'useradd --system --user-group --no-create-home --home-dir /var/lib/writeback-agent --shell /usr/sbin/nologin writeback-agent',
    'chown -R writeback-agent:writeback-agent /var/lib/writeback-agent',
    'chown -R writeback-agent:writeback-agent /var/log/writeback-agent',
    'systemctl daemon-reload',
    'systemctl enable --now writeback-agent.service',
    'userdel writeback-agent',
    'systemctl daemon-reload',
  ]);
  t.true(log.includes('rolling back what this run had done:'));

  // A second install over an existing unit and state: the old unit comes back, existing directories stay.
  const unitPath = join(root, 'etc/systemd/system/writeback-agent.service');
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  await writeFile(unitPath, '# the previous unit\n', { mode: 0o644 });
  await mkdir(join(root, 'var/lib/writeback-agent'), { recursive: true, mode: 0o700 });
  await t.throwsAsync(applyPlan(linuxInstallPlan(serviceConfig(), options({ userExists: true })), { root, commandDir: fake.dir, log: () => undefined }));
  t.is(await readFile(unitPath, 'utf8'), '# the previous unit\n');
  t.true(existsSync(join(root, 'var/lib/writeback-agent')), 'a directory that was there before stays');
  t.false(existsSync(join(root, 'var/log/writeback-agent')), 'the one this run created is gone');
});

test('an existing account is not created again; an audit log outside stateDir gets its own writable directory', (t) => {
  const plan = linuxInstallPlan(serviceConfig({ audit: { file: '/var/lib/writeback-audit/audit.jsonl' } }), options({ userExists: true }));
  t.false(plan.steps.some((s) => s.kind === 'command' && s.argv[0] === 'useradd'));
  const unit = plan.steps.find((s) => s.kind === 'file');
  t.true(unit?.kind === 'file' && unit.content.includes('ReadWritePaths=/var/lib/writeback-agent /var/log/writeback-agent /var/lib/writeback-audit\n'));
});

test('unit values with spaces, quotes or % are quoted and escaped for systemd', (t) => {
  t.is(unitArg('/opt/node/bin/node'), '/opt/node/bin/node');
  t.is(unitArg('/srv/write back/bin.js'), '"/srv/write back/bin.js"');
  t.is(unitArg('/srv/100%/x'), '/srv/100%%/x');
  t.is(unitArg('/srv/a"b\\c'), '"/srv/a\\"b\\\\c"');
});

test('uninstall removes the unit and keeps state and logs; --purge removes them too', async (t) => {
  const { root } = await installIntoRoot();
  const log: string[] = [];
  await applyPlan(linuxUninstallPlan(serviceConfig(), { unitName: 'writeback-agent', user: 'writeback-agent', purge: false }), { root, log: (l) => log.push(l) });
  t.false(existsSync(join(root, 'etc/systemd/system/writeback-agent.service')));
  t.true(existsSync(join(root, 'var/lib/writeback-agent')));
  t.true(log.includes('skipped (--root): systemctl disable --now writeback-agent.service'));
  const purge = linuxUninstallPlan(serviceConfig(), { unitName: 'writeback-agent', user: 'writeback-agent', purge: true });
  await applyPlan(purge, { root, log: () => undefined });
  t.false(existsSync(join(root, 'var/lib/writeback-agent')));
  t.false(existsSync(join(root, 'var/log/writeback-agent')));
  t.true(purge.steps.some((s) => s.kind === 'command' && s.argv.join(' ') === 'userdel writeback-agent'));
});

test('the command line: --dry-run prints every file and command and changes nothing; --root installs there', async (t) => {
  // Not under /tmp: the unit's PrivateTmp=yes would hide the config from the service, and install-service refuses that.
  const dir = unitVisibleTempDir(repo, 'wa-svc-cli-');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'config.json');
  const stateDir = join(dir, 'state');
  await writeFile(configPath, JSON.stringify({ ...configJson(), stateDir, logging: { dir: join(dir, 'logs') } }));
  const cli = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, ['--import=tsx', join(repo, 'agent/cli/bin.ts'), ...args], { cwd: repo, encoding: 'utf8' });
  const dry = cli(['install-service', '--config', configPath, '--dry-run', '--bin', realBin, '--node', unitNode]);
  t.is(dry.status, 0, String(dry.stderr));
  const out = String(dry.stdout);
  t.regex(out, /^write file \/etc\/systemd\/system\/writeback-agent\.service \(mode 0644\):$/m);
  t.regex(out, /^ {4}ProtectSystem=strict$/m);
  t.regex(out, /^create directory .*\/state \(mode 0700\)$/m);
  t.regex(out, /^run: systemctl enable --now writeback-agent\.service/m);
  t.false(existsSync(stateDir), 'dry run created the state directory');
  const root = join(dir, 'root');
  const installed = cli(['install-service', '--config', configPath, '--root', root, '--bin', realBin, '--node', unitNode]);
  t.is(installed.status, 0, String(installed.stderr));
  t.true(existsSync(join(root, 'etc/systemd/system/writeback-agent.service')));
  t.is((await stat(join(root, stateDir))).mode & 0o777, 0o700);
  const removedDry = cli(['uninstall-service', '--config', configPath, '--dry-run']);
  t.regex(String(removedDry.stdout), /^remove file \/etc\/systemd\/system\/writeback-agent\.service$/m);
  // Each command's errors carry its own name, once.
  const badName = cli(['uninstall-service', '--config', configPath, '--root', root, '--name', 'bad name']);
  t.is(badName.status, 2);
  t.is(String(badName.stderr), 'writeback-agent uninstall-service: --name "bad name" is not a valid unit name (letters, digits, "_", ".", "-")\n');
  const hidden = join(dir, 'hidden.json');
  await writeFile(hidden, JSON.stringify({ ...configJson(), stateDir: '/tmp/wa-state' }));
  const refused = cli(['install-service', '--config', hidden, '--dry-run', '--bin', realBin, '--node', unitNode]);
  t.is(refused.status, 2);
  t.regex(String(refused.stderr), /^writeback-agent install-service: \/tmp\/wa-state \(a writable directory\) is under \/tmp, which the service cannot see/);
});

function configJson(): Record<string, unknown> {
  return {
    service: { url: 'wss://reset.example.com/agent/v1' },
    secretStore: 'file',
    directories: [
      {
        id: 'corp',
        kind: 'activeDirectory',
        urls: ['ldaps://dc1.corp.example:636'],
        baseDn: 'DC=corp,DC=example',
        bindDn: 'CN=svc,DC=corp,DC=example',
        bindPassword: { env: 'CORP_BIND' },
        scope: { include: ['OU=Staff,DC=corp,DC=example'] },
      },
    ],
  };
}
