import { shellQuote, type ServicePlan, type ServiceStep } from '../agent/service/service-plan.js';
import type { DebianPackageSpec } from './package-specs.js';

/**
 * The text of a Debian package's control file and maintainer scripts, made from the same install
 * plan as `install-service`: the account and directories come out alike, and the unit is the one
 * install-service writes. Unlike install-service, nothing is enabled or started: the agent needs a
 * config and a registration first.
 */

type Command = Extract<ServiceStep, { kind: 'command' }>;

function isEnableOrStart(step: Command): boolean {
  return step.argv[0] === 'systemctl' && (step.argv.includes('enable') || step.argv.includes('start'));
}

/** The unit the plan writes, with a header saying where it came from and what to do next. */
export function unitFromPlan(spec: DebianPackageSpec, plan: ServicePlan): { name: string; content: string } {
  const file = plan.steps.find((step): step is Extract<ServiceStep, { kind: 'file' }> => step.kind === 'file' && step.path.endsWith('.service'));
  if (file === undefined) throw new Error(`${spec.name}: the install plan writes no unit`);
  const body = file.content.split('\n').filter((line, index, lines) => !(line.startsWith('#') && lines.slice(0, index).every((l) => l.startsWith('#'))));
  const header = [
    `# Installed by the ${spec.name} Debian package; neither enabled nor started by it. Once configured:`,
    `# ${spec.nextSteps}.`,
    `# Local changes belong in a drop-in (systemctl edit ${spec.name}), which upgrades leave alone.`,
  ];
  return { name: file.path.split('/').pop()!, content: [...header, ...body].join('\n') };
}

/** postinst: the plan's account and directories (idempotent), and a daemon-reload; no enable, no start. */
export function postinst(spec: DebianPackageSpec, plan: ServicePlan, configDir: string): string {
  const lines: string[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'dir') lines.push(`  install -d -m ${step.mode.toString(8).padStart(4, '0')} ${shellQuote(step.path)}`);
    if (step.kind !== 'command' || isEnableOrStart(step) || step.argv[0] === 'systemctl') continue;
    const command = step.argv.map(shellQuote).join(' ');
    // useradd is the one step that must not run twice.
    lines.push(step.argv[0] === 'useradd' ? `  getent passwd ${shellQuote(step.argv.at(-1)!)} >/dev/null || ${command}` : `  ${command}`);
  }
  const user = plan.steps.find((s): s is Command => s.kind === 'command' && s.argv[0] === 'useradd')?.argv.at(-1) ?? spec.name;
  return [
    '#!/bin/sh',
    'set -e',
    'if [ "$1" = configure ]; then',
    ...lines,
    `  # The config lives here: readable by the service account's group, writable by root alone.`,
    `  install -d -m 0750 -o root -g ${shellQuote(user)} ${shellQuote(configDir)}`,
    'fi',
    `# Not enabled, not started: ${spec.name} needs a config and a registration first.`,
    'if [ -d /run/systemd/system ]; then',
    '  systemctl daemon-reload >/dev/null || true',
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

/** prerm: stop and disable the unit before its files go (it may have been enabled by the admin). */
export function prerm(unit: string): string {
  return [
    '#!/bin/sh',
    'set -e',
    'if [ "$1" = remove ]; then',
    '  if [ -d /run/systemd/system ]; then',
    `    systemctl disable --now ${unit} >/dev/null 2>&1 || true`,
    '  fi',
    `  rm -f /etc/systemd/system/multi-user.target.wants/${unit}`,
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

/** postrm: on purge, the plan's directories, the config directory and the account go, as `uninstall-service --purge` does. */
export function postrm(plan: ServicePlan, configDir: string): string {
  const dirs = plan.steps.filter((s): s is Extract<ServiceStep, { kind: 'dir' }> => s.kind === 'dir').map((s) => shellQuote(s.path));
  const user = plan.steps.find((s): s is Command => s.kind === 'command' && s.argv[0] === 'useradd')?.argv.at(-1);
  return [
    '#!/bin/sh',
    'set -e',
    'if [ "$1" = purge ]; then',
    `  rm -rf ${[...dirs, shellQuote(configDir)].join(' ')}`,
    ...(user === undefined ? [] : [`  if getent passwd ${shellQuote(user)} >/dev/null; then userdel ${shellQuote(user)} || true; fi`]),
    'fi',
    'if [ -d /run/systemd/system ]; then',
    '  systemctl daemon-reload >/dev/null || true',
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

export function control(spec: DebianPackageSpec, fields: { version: string; installedSizeKb: number; maintainer: string; homepage: string }): string {
  return [
    `Package: ${spec.name}`,
    `Version: ${fields.version}`,
    'Architecture: amd64',
    `Maintainer: ${fields.maintainer}`,
    `Installed-Size: ${fields.installedSizeKb}`,
    // The runtime is Node's own linux-x64 build: glibc, libstdc++ and libgcc; useradd comes from passwd.
    'Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1, passwd',
    'Section: admin',
    'Priority: optional',
    `Homepage: ${fields.homepage}`,
    `Description: ${spec.summary}`,
    ...spec.description.map((line) => ` ${line}`),
    '',
  ].join('\n');
}

/** A native package's changelog (Debian's format), gzipped by the caller. */
export function changelog(spec: DebianPackageSpec, fields: { version: string; maintainer: string; date: Date }): string {
  const date = fields.date.toUTCString().replace('GMT', '+0000');
  return `${spec.name} (${fields.version}) unstable; urgency=medium\n\n  * Release ${fields.version}; see the project's git history for changes.\n\n -- ${fields.maintainer}  ${date}\n`;
}

/** machine-readable copyright (DEP-5): the project under MIT, the bundled Node.js runtime under its own license file. */
export function copyright(spec: DebianPackageSpec, fields: { license: string; homepage: string }): string {
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    `Upstream-Name: ${spec.name}`,
    `Source: ${fields.homepage}`,
    '',
    'Files: *',
    'Copyright: the writeback-agent authors',
    'License: MIT',
    '',
    `Files: usr/lib/${spec.name}/node/*`,
    'Copyright: Node.js contributors and the authors of its bundled components',
    `License: MIT-and-others`,
    ` The full text, with every bundled component's license, is in /usr/lib/${spec.name}/node/LICENSE.`,
    '',
    `Files: usr/lib/${spec.name}/node_modules/*`,
    'Copyright: the authors of each npm package',
    'License: various-permissive',
    ` Each package's license is in its directory under /usr/lib/${spec.name}/node_modules/.`,
    '',
    'License: MIT',
    ...fields.license
      .trim()
      .split('\n')
      .map((line) => (line.trim() === '' ? ' .' : ` ${line}`)),
    '',
  ].join('\n');
}

/**
 * The one lintian error the package keeps on purpose: Node.js links zlib into its own binary, and
 * the package carries Node's official build so that the host needs no Node (Debian's nodejs would
 * use the system zlib, but Debian has no Node 24 to depend on).
 */
export function lintianOverrides(spec: DebianPackageSpec): string {
  return ['# Node.js links zlib statically; this package deliberately carries the official Node.js build.', `${spec.name}: embedded-library zlib [usr/lib/${spec.name}/node/bin/node]`, ''].join('\n');
}
