import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import test from 'ava';
import { hiddenBySandbox } from '../../agent/service/sandbox-hidden-paths.js';
import { withBuildLock } from '../helpers/build-lock.js';

/**
 * The package as an admin gets it: `npm pack` (prepack builds dist/ with tsc), then a global
 * install of the tarball into an empty prefix, then the installed bin run by Node 24. The system
 * node may be older than `engines` allows, so PATH starts with the directory of the Node running
 * this test (node_modules/.bin's Node 24 under `npm test`), and npm runs under it too.
 */
const repo = join(import.meta.dirname, '../..');
const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

function run(command: string, args: string[], options: { cwd?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: options.cwd ?? repo, env, encoding: 'utf8', timeout: options.timeout ?? 90_000 });
}

/** Every package directory under a node_modules tree, scoped and nested ones included. */
async function installedPackages(nodeModules: string): Promise<string[]> {
  if (!existsSync(nodeModules)) return [];
  const found: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dirs = entry.name.startsWith('@') ? (await readdir(join(nodeModules, entry.name))).map((name) => join(nodeModules, entry.name, name)) : [join(nodeModules, entry.name)];
    for (const dir of dirs) {
      if (!existsSync(join(dir, 'package.json'))) continue;
      found.push(dir, ...(await installedPackages(join(dir, 'node_modules'))));
    }
  }
  return found;
}

function output(result: SpawnSyncReturns<string>): string {
  return `exit ${String(result.status)}${result.error ? ` (${result.error.message})` : ''}\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`;
}

test('npm pack gives compiled JavaScript that installs globally into a clean prefix and runs on Node 24', async (t) => {
  t.timeout(150_000);
  t.regex(process.version, /^v(2[4-9]|[3-9]\d)\./, 'run the test under the Node 24 of node_modules/.bin (npm test / npx ava)');
  // Not under /tmp or /home: install-service refuses a bin or config that the unit's PrivateTmp=yes
  // or ProtectHome=yes would hide. A clone of this repository may itself live there.
  const base = hiddenBySandbox(repo) === null ? join(repo, '.tmp') : '/var/lib/writeback-agent-tests';
  await mkdir(base, { recursive: true });
  const work = await mkdtemp(join(base, 'wa-pack-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));

  const packed = await withBuildLock(repo, () => run('npm', ['pack', '--json', '--pack-destination', work], { timeout: 120_000 }));
  t.is(packed.status, 0, output(packed));
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  t.true(files.includes('dist/agent/cli/bin.js'), 'the bin is compiled');
  for (const doc of ['README.md', 'config.example.json', 'docs/install-linux.md', 'docs/troubleshooting.md']) t.true(files.includes(doc), `${doc} is shipped`);
  t.deepEqual(
    files.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('agent/') || f.startsWith('.ci/')),
    [],
    'no sources or tests in the tarball',
  );
  t.true(files.includes('dist/demo/run-demo.js'), 'the demo ships on purpose (README: the demo)');

  const prefix = join(work, 'prefix');
  const installed = run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(work, info!.filename)], { timeout: 120_000 });
  t.is(installed.status, 0, output(installed));

  // Only registry packages: every dependency is a version range (no git, URL or file spec), and no
  // installed package has an install script or a native build that could fetch anything else.
  const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const [name, range] of Object.entries(manifest.dependencies)) t.regex(range, /^[\^~]?\d+(\.\d+){0,2}$/, `${name}: ${range} is not a registry version range`);
  const installedRoot = join(prefix, process.platform === 'win32' ? '' : 'lib', 'node_modules', pkg.name);
  const packages = await installedPackages(join(installedRoot, 'node_modules'));
  t.true(packages.length > 5, `found ${packages.length} installed dependencies`);
  for (const dir of packages) {
    const meta = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall']) t.is(meta.scripts?.[hook], undefined, `${dir} has a ${hook} script`);
    t.false(existsSync(join(dir, 'binding.gyp')), `${dir} would be built with node-gyp`);
  }
  // The demo makes its CA and certificate at run time: no private key is shipped for it or anything else.
  const keyFiles = (await readdir(join(installedRoot, 'dist'), { recursive: true })).filter((path) => /\.(js|json|pem|key)$/.test(path));
  t.true(keyFiles.length > 50, `found ${keyFiles.length} files under dist/`);
  for (const path of keyFiles) t.notRegex(await readFile(join(installedRoot, 'dist', path), 'utf8'), /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]{16}/, `${path} holds a private key`);

  const bin = join(prefix, process.platform === 'win32' ? 'writeback-agent.cmd' : 'bin/writeback-agent');
  const version = run(bin, ['--version']);
  t.is(version.status, 0, output(version));
  t.is(version.stdout.trim(), pkg.version);

  const help = run(bin, ['check-permissions', '--help']);
  t.is(help.status, 0, output(help));
  t.regex(help.stdout, /writeback-agent check-permissions --config F/);

  // From the installed package, install-service finds its own bin without --bin.
  const config = join(work, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      service: { url: 'wss://reset.example.com/agent/v1' },
      stateDir: join(work, 'state'),
      secretStore: 'file',
      directories: [
        { id: 'corp', kind: 'openldap', urls: ['ldaps://ldap.example:636'], baseDn: 'dc=example', bindDn: 'cn=agent,dc=example', bindPassword: { env: 'BIND' }, scope: { include: ['dc=example'] } },
      ],
    }),
  );
  // The Node running this test is the repository's; where the sandbox would hide it, the unit is given a link to it.
  let unitNode = process.execPath;
  if (hiddenBySandbox(unitNode) !== null) {
    unitNode = join(work, 'node');
    await symlink(process.execPath, unitNode);
  }
  const dry = run(bin, ['install-service', '--config', config, '--dry-run', ...(unitNode === process.execPath ? [] : ['--node', unitNode])]);
  t.is(dry.status, 0, output(dry));
  t.true(dry.stdout.includes(`ExecStart=${unitNode} --max-semi-space-size=8 --expose-gc ${join(prefix, 'lib/node_modules', pkg.name, 'dist/agent/cli/bin.js')} run --config ${config}`), dry.stdout);

  // The installed package alone runs the whole demo: directory-sim, the real service (in process, SQLite) and an agent.
  const demo = run(bin, ['demo'], { cwd: work, timeout: 100_000 });
  t.is(demo.status, 0, output(demo));
  t.regex(demo.stdout, /Demo finished: (\d+) of \1 steps went as expected/);
});
