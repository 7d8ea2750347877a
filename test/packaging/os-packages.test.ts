import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ServiceDefaults } from '../../agent/service/service-defaults.js';
import { child, parseXml } from '../unit/agent/service/strict-xml.js';
import { adminWalkthrough } from './admin-walkthrough.js';
import { withBuildLock } from '../helpers/build-lock.js';

/**
 * `npm run package` as CI runs it: the Debian packages are checked by lintian, installed with dpkg
 * on this machine, run with no Node on PATH, their units verified, then removed and purged; with
 * both installed, an admin's walkthrough (admin-walkthrough.ts) goes from the packages to a reset
 * at a real slapd. The packages are built once for all of it. The Windows zip is checked for what
 * can be checked here (layout, node.exe's PE header, the XML): Windows itself cannot run here
 * (see docs/packages.md).
 */
const repo = join(import.meta.dirname, '../..');
const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const build = join(repo, 'build');
const debOf = (name: string): string => join(build, `${name}_${pkg.version}_amd64.deb`);
const tarballOf = (name: string): string => join(build, `${name}_${pkg.version}_linux-x64.tar.gz`);
const deb = debOf(pkg.name);
const serviceDeb = debOf('writeback-service');
const zip = join(build, `${pkg.name}_${pkg.version}_win-x64.zip`);
/** PATH for the installed commands: the system directories without /usr/bin and /bin, where Debian's node would be. */
const NO_NODE_PATH = '/usr/sbin:/sbin';

function run(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(file, args, { cwd: options.cwd ?? repo, env: options.env ?? process.env, encoding: 'utf8', timeout: options.timeout ?? 120_000, maxBuffer: 256 * 1024 * 1024 });
}

function output(result: SpawnSyncReturns<string>): string {
  return `exit ${String(result.status)}${result.error ? ` (${result.error.message})` : ''}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`;
}

let built: Promise<SpawnSyncReturns<string>> | undefined;
/** One build for every test of this file. */
async function packaged(t: ExecutionContext): Promise<boolean> {
  built ??= withBuildLock(repo, () => run('npm', ['run', 'package'], { timeout: 15 * 60_000 }));
  const result = await built;
  t.is(result.status, 0, output(result));
  return result.status === 0;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** What each package must hold, beyond the common tree. */
const PackageFiles = {
  'writeback-agent': [
    'usr/bin/writeback-agent',
    'usr/lib/writeback-agent/node/bin/node',
    'usr/lib/writeback-agent/dist/agent/cli/bin.js',
    'lib/systemd/system/writeback-agent.service',
    'usr/lib/writeback-agent/docs/configuration.md',
    'usr/lib/writeback-agent/config.openldap.example.json',
  ],
  'writeback-service': [
    'usr/bin/writeback-service',
    'usr/lib/writeback-service/node/bin/node',
    'usr/lib/writeback-service/dist/service/cli/bin.js',
    'lib/systemd/system/writeback-service.service',
    'usr/lib/writeback-service/docs/service.md',
  ],
} as const;

test.serial('npm run package builds a .deb and a .tar.gz of the same tree for the agent and the service, and a Windows zip', async (t) => {
  t.timeout(16 * 60_000);
  if (!(await packaged(t))) return;
  t.true(existsSync(zip), zip);
  for (const [name, required] of Object.entries(PackageFiles)) {
    for (const file of [debOf(name), tarballOf(name)]) t.true(existsSync(file), file);
    const debFiles = lines(run('sh', ['-c', `dpkg-deb --fsys-tarfile '${debOf(name)}' | tar -t`]).stdout);
    const tarFiles = lines(run('tar', ['-tzf', tarballOf(name)]).stdout);
    const normal = (list: string[]): string[] =>
      list
        .map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''))
        .filter((p) => p !== '' && p !== '.')
        .sort();
    t.true(debFiles.length > 100, `${debFiles.length} files in the .deb`);
    t.deepEqual(normal(tarFiles), normal(debFiles));
    const files = normal(debFiles);
    for (const path of required) t.true(files.includes(path), path);
    t.false(
      files.some((f) => f.includes('/node_modules/typescript/') || f.includes('/node_modules/ava/')),
      'no dev dependencies',
    );
    t.false(
      files.some((f) => !f.includes('/node_modules/') && f.endsWith('.ts') && !f.endsWith('.d.ts')),
      'no TypeScript sources of ours',
    );
    t.false(
      files.some((f) => f.includes('/node_modules/') && /\/\.[^/]+$/.test(f)),
      'no dotfiles of the dependencies',
    );
    const controlInfo = run('dpkg-deb', ['--info', debOf(name)]).stdout;
    t.regex(controlInfo, new RegExp(`^ Package: ${name}$`, 'm'));
    t.regex(controlInfo, new RegExp(`^ Version: ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
  }
});

test.serial('lintian finds no errors in the Debian packages', async (t) => {
  t.timeout(10 * 60_000);
  if (!(await packaged(t))) return;
  const lintian = run('lintian', ['--tag-display-limit', '0', deb, serviceDeb], { timeout: 8 * 60_000 });
  if (lintian.error !== undefined) {
    t.fail(`lintian did not run (${lintian.error.message}): apt-get install lintian (.ci/run installs it)`);
    return;
  }
  const errors = lines(lintian.stdout).filter((line) => line.startsWith('E: '));
  t.deepEqual(errors, [], lintian.stdout);
  t.log(`lintian: ${lines(lintian.stdout).length} notes, warnings or info lines, no errors`);
});

test.serial('dpkg -i installs it; it runs with no Node on PATH; the unit verifies and is not started; dpkg -r and --purge remove it', async (t) => {
  t.timeout(10 * 60_000);
  if (!(await packaged(t))) return;
  if (process.getuid?.() !== 0) {
    t.fail('installing a Debian package needs root: run the packaging tier as root (sudo bash .ci/run)');
    return;
  }
  const purge = (): SpawnSyncReturns<string> => run('dpkg', ['--purge', 'writeback-agent']);
  purge();
  t.teardown(() => void purge());
  const installed = run('dpkg', ['-i', deb]);
  t.is(installed.status, 0, output(installed));

  // Account and directories as install-service makes them; the config directory for the admin.
  t.regex(run('getent', ['passwd', 'writeback-agent']).stdout, /^writeback-agent:x:\d+:\d+::\/var\/lib\/writeback-agent:\/usr\/sbin\/nologin$/m);
  t.is((await stat('/var/lib/writeback-agent')).mode & 0o777, 0o700);
  t.is((await stat('/var/log/writeback-agent')).mode & 0o777, 0o750);
  t.is((await stat('/etc/writeback-agent')).mode & 0o777, 0o750);

  // No Node but the package's: PATH holds no directory with a node in it.
  const env = { PATH: NO_NODE_PATH, HOME: '/root', LANG: 'C.UTF-8' };
  t.is(run('/bin/sh', ['-c', 'command -v node || echo none'], { env }).stdout.trim(), 'none');
  const version = run('/usr/bin/writeback-agent', ['--version'], { env });
  t.is(version.status, 0, output(version));
  t.is(version.stdout.trim(), pkg.version);
  // The installed program run by Debian's older Node (20 here) stops at once and names the Node it needs.
  const old = run('/usr/bin/node', ['/usr/lib/writeback-agent/dist/agent/cli/bin.js', '--version']);
  t.is(old.error, undefined, "no /usr/bin/node: this check needs Debian's nodejs (older than 24) beside the package");
  t.is(old.status, 2, output(old));
  t.regex(old.stderr, /^writeback-agent needs Node\.js 24 or later, but \/usr\/bin\/node is v\d+\.\S+; install Node\.js 24/);
  const work = await mkdtemp(join(tmpdir(), 'wa-deb-demo-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const demo = run('/usr/bin/writeback-agent', ['demo'], { env, cwd: work, timeout: 180_000 });
  t.is(demo.status, 0, output(demo));
  t.regex(demo.stdout, /Demo finished: (\d+) of \1 steps went as expected/);

  // The unit: valid, hardened as install-service writes it, and neither enabled nor started.
  const unit = '/lib/systemd/system/writeback-agent.service';
  const verify = run('systemd-analyze', ['verify', unit], { env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice', SYSTEMD_COLORS: '0' } });
  t.is(verify.status, 0, output(verify));
  t.is(`${verify.stdout}${verify.stderr}`.trim(), '');
  const unitText = await readFile(unit, 'utf8');
  t.false(existsSync('/etc/systemd/system/multi-user.target.wants/writeback-agent.service'), 'enabled before it was configured');
  t.is(run('pgrep', ['-f', '/usr/lib/writeback-agent/dist/agent/cli/bin.js run']).stdout, '', 'started before it was configured');
  await writeFile('/etc/writeback-agent/config.json', await readFile(join(repo, 'config.openldap.example.json'), 'utf8'));
  const dry = run('/usr/bin/writeback-agent', ['install-service', '--config', '/etc/writeback-agent/config.json', '--dry-run'], { env });
  t.is(dry.status, 0, output(dry));
  const execStart = (text: string): string | undefined => /^\s*(ExecStart=.*)$/m.exec(text)?.[1];
  t.is(execStart(unitText), execStart(dry.stdout), 'the packaged unit runs what install-service would');
  t.is(
    execStart(unitText),
    `ExecStart=/usr/lib/writeback-agent/node/bin/node ${ServiceDefaults.runNodeFlags.join(' ')} /usr/lib/writeback-agent/dist/agent/cli/bin.js run --config /etc/writeback-agent/config.json`,
  );

  const removed = run('dpkg', ['-r', 'writeback-agent']);
  t.is(removed.status, 0, output(removed));
  for (const path of ['/usr/bin/writeback-agent', '/usr/lib/writeback-agent', unit]) t.false(existsSync(path), `${path} is left after dpkg -r`);
  t.true(existsSync('/var/lib/writeback-agent'), 'dpkg -r keeps the state (keys, journal) until --purge');
  t.is(run('getent', ['passwd', 'writeback-agent']).status, 0, 'dpkg -r keeps the account');
  const purged = purge();
  t.is(purged.status, 0, output(purged));
  for (const path of ['/var/lib/writeback-agent', '/var/log/writeback-agent', '/etc/writeback-agent']) t.false(existsSync(path), `${path} is left after --purge`);
  t.not(run('getent', ['passwd', 'writeback-agent']).status, 0, 'the account is left after --purge');
  const status = run('dpkg-query', ['-W', '-f=${Status}', 'writeback-agent']);
  t.regex(`${status.stdout}${status.stderr}`, /not-installed|no packages found/);
});

test.serial("the service package installs like the agent's; with both installed, the admin walkthrough resets a password at slapd; dpkg -r and --purge remove it", async (t) => {
  t.timeout(10 * 60_000);
  if (!(await packaged(t))) return;
  if (process.getuid?.() !== 0) {
    t.fail('installing a Debian package needs root: run the packaging tier as root (sudo bash .ci/run)');
    return;
  }
  const purge = (): SpawnSyncReturns<string> => run('dpkg', ['--purge', 'writeback-service', 'writeback-agent']);
  purge();
  t.teardown(() => void purge());
  const installed = run('dpkg', ['-i', serviceDeb, deb]);
  t.is(installed.status, 0, output(installed));

  t.regex(run('getent', ['passwd', 'writeback-service']).stdout, /^writeback-service:x:\d+:\d+::\/var\/lib\/writeback-service:\/usr\/sbin\/nologin$/m);
  const data = await stat('/var/lib/writeback-service');
  t.is(data.mode & 0o777, 0o700);
  t.is(data.uid, Number(run('id', ['-u', 'writeback-service']).stdout.trim()), 'the data directory belongs to the service account');
  t.is((await stat('/etc/writeback-service')).mode & 0o777, 0o750);
  const unit = '/lib/systemd/system/writeback-service.service';
  const verify = run('systemd-analyze', ['verify', unit], { env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice', SYSTEMD_COLORS: '0' } });
  t.is(verify.status, 0, output(verify));
  t.is(`${verify.stdout}${verify.stderr}`.trim(), '');
  t.regex(
    await readFile(unit, 'utf8'),
    /^ExecStart=\/usr\/lib\/writeback-service\/node\/bin\/node \/usr\/lib\/writeback-service\/dist\/service\/cli\/bin\.js serve --data \/var\/lib\/writeback-service$/m,
  );
  t.false(existsSync('/etc/systemd/system/multi-user.target.wants/writeback-service.service'), 'enabled before it was configured');
  t.is(run('pgrep', ['-f', '/usr/lib/writeback-service/dist/service/cli/bin.js serve']).stdout, '', 'started before it was configured');

  const env = { PATH: NO_NODE_PATH, HOME: '/root', LANG: 'C.UTF-8' };
  const help = run('/usr/bin/writeback-service', ['help'], { env });
  t.is(help.status, 0, output(help));
  t.regex(help.stdout, /^Usage:$/m);
  const work = await mkdtemp(join(tmpdir(), 'wa-walkthrough-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  await adminWalkthrough(t, { dir: work, env });

  const removed = run('dpkg', ['-r', 'writeback-service']);
  t.is(removed.status, 0, output(removed));
  for (const path of ['/usr/bin/writeback-service', '/usr/lib/writeback-service', unit]) t.false(existsSync(path), `${path} is left after dpkg -r`);
  t.true(existsSync('/var/lib/writeback-service'), 'dpkg -r keeps the data (keys, database) until --purge');
  const purged = purge();
  t.is(purged.status, 0, output(purged));
  for (const path of ['/var/lib/writeback-service', '/etc/writeback-service', '/usr/bin/writeback-agent']) t.false(existsSync(path), `${path} is left after --purge`);
  t.not(run('getent', ['passwd', 'writeback-service']).status, 0, 'the account is left after --purge');
});

test.serial('the Windows zip: layout, node.exe a 64-bit Windows executable, the WinSW XML well-formed', async (t) => {
  t.timeout(10 * 60_000);
  if (!(await packaged(t))) return;
  const listing = lines(run('unzip', ['-Z1', zip]).stdout);
  for (const path of [
    'writeback-agent/node/node.exe',
    'writeback-agent/node/LICENSE',
    'writeback-agent/writeback-agent.xml',
    'writeback-agent/INSTALL.txt',
    'writeback-agent/app/dist/agent/cli/bin.js',
    'writeback-agent/app/package.json',
    'writeback-agent/app/node_modules/ws/package.json',
  ]) {
    t.true(listing.includes(path), path);
  }
  t.true(
    listing.some((p) => p.startsWith('writeback-agent/app/node_modules/@napi-rs/keyring-win32-x64-msvc/') && p.endsWith('.node')),
    "the keyring's Windows binary",
  );
  t.false(
    listing.some((p) => p.includes('keyring-linux-')),
    'no Linux native module',
  );

  const exe = spawnSync('unzip', ['-p', zip, 'writeback-agent/node/node.exe'], { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 }).stdout;
  t.is(exe.subarray(0, 2).toString('latin1'), 'MZ');
  const pe = exe.readUInt32LE(0x3c);
  t.is(exe.subarray(pe, pe + 4).toString('latin1'), 'PE\0\0');
  t.is(exe.readUInt16LE(pe + 4), 0x8664, 'machine: x64');
  t.is(exe.readUInt16LE(pe + 24), 0x20b, 'PE32+');
  t.is(exe.readUInt16LE(pe + 24 + 68), 3, 'subsystem: Windows console');

  const xml = parseXml(run('unzip', ['-p', zip, 'writeback-agent/writeback-agent.xml']).stdout);
  t.is(xml.name, 'service');
  t.is(child(xml, 'executable')[0]?.text, '%BASE%\\node\\node.exe');
  t.deepEqual(
    child(xml, 'argument').map((a) => a.text),
    [...ServiceDefaults.runNodeFlags, '%BASE%\\app\\dist\\agent\\cli\\bin.js', 'run', '--config', '%ProgramData%\\writeback-agent\\config.json'],
  );
});
