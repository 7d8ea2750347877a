import { posix } from 'node:path';
import type { AgentConfig } from '../config/agent-config.js';
import { SetupError } from '../errors.js';
import { hiddenBySandbox } from './sandbox-hidden-paths.js';
import { ServiceDefaults } from './service-defaults.js';
import type { ServicePlan, ServiceStep } from './service-plan.js';
import { unitCredentials } from './systemd-credentials.js';
import { systemdUnit } from './systemd-unit.js';

export interface LinuxInstallOptions {
  unitName: string;
  user: string;
  /** Absolute path of the node binary ExecStart= runs. */
  nodePath: string;
  /** Absolute path of the installed `writeback-agent` bin script (dist/agent/cli/bin.js). */
  binPath: string;
  /** LoadCredentialEncrypted= from /etc/credstore.encrypted instead of LoadCredential= from /etc/credstore. */
  encryptedCredentials: boolean;
  /** Whether the account exists already (then no useradd). */
  userExists: boolean;
}

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const UNIT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,200}$/;

export function unitFilePath(unitName: string): string {
  return posix.join(ServiceDefaults.systemdUnitDir, `${unitName}.service`);
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`);
}

function assertNames(unitName: string, user: string): void {
  if (!UNIT_NAME.test(unitName)) throw new SetupError('CONFIG', `--name ${JSON.stringify(unitName)} is not a valid unit name (letters, digits, "_", ".", "-")`);
  if (!USER_NAME.test(user)) throw new SetupError('CONFIG', `--user ${JSON.stringify(user)} is not a valid account name (lower-case letters, digits, "_", "-"; at most 32)`);
}

/** Every directory the agent writes: the state directory, the log directory, the audit log's directory. */
export function writableDirs(config: AgentConfig): { path: string; mode: number }[] {
  const dirs = [{ path: config.stateDir, mode: 0o700 }];
  if (config.logging.dir !== null && !within(config.logging.dir, config.stateDir)) dirs.push({ path: config.logging.dir, mode: 0o750 });
  const auditDir = posix.dirname(config.audit.file);
  if (!dirs.some((d) => within(auditDir, d.path))) dirs.push({ path: auditDir, mode: 0o700 });
  return dirs;
}

/**
 * Creates the account, the directories (owned by it, 0700 state, 0750 logs), the hardened unit,
 * then enables and starts it. Paths the sandbox would hide (sandbox-hidden-paths.ts) are refused
 * before anything is done.
 */
export function linuxInstallPlan(config: AgentConfig, options: LinuxInstallOptions): ServicePlan {
  assertNames(options.unitName, options.user);
  const dirs = writableDirs(config);
  const readFiles = [
    ['the config file', config.source],
    ...(config.service.caFile === null ? [] : [['service.caFile', config.service.caFile]]),
    ...config.directories.flatMap((d) => (d.tls.caFile === null ? [] : [[`the tls.caFile of ${d.id}`, d.tls.caFile]])),
    ...config.directories.flatMap((d) => ('file' in d.bindPassword ? [[`the bindPassword file of ${d.id}`, d.bindPassword.file]] : [])),
  ] as const;
  for (const [what, path] of [['node', options.nodePath], ['the agent', options.binPath], ...readFiles, ...dirs.map((d) => ['a writable directory', d.path] as const)] as const) {
    if (!posix.isAbsolute(path)) throw new SetupError('CONFIG', `the path of ${what} must be absolute (got ${path})`);
    const hidden = hiddenBySandbox(path);
    if (hidden !== null) {
      throw new SetupError(
        'CONFIG',
        `${path} (${what}) is under ${hidden.dir}, which the service cannot see (${hidden.why}); install node and the package system-wide (e.g. /usr/local or the Debian package), keep the config and CA files under /etc and stateDir and logging.dir under /var/lib and /var/log`,
      );
    }
  }
  const { credentials, notes } = unitCredentials(config, { unitName: options.unitName, user: options.user, encrypted: options.encryptedCredentials });
  if (config.secretStore === 'keychain') {
    notes.unshift('secretStore is "keychain": a system service has no Secret Service session on Linux, so the agent will not start; set "secretStore": "file" in the config');
  }
  const owner = `${options.user}:${options.user}`;
  const steps: ServiceStep[] = [];
  if (!options.userExists) {
    steps.push({
      kind: 'command',
      argv: ['useradd', '--system', '--user-group', '--no-create-home', '--home-dir', config.stateDir, '--shell', ServiceDefaults.nologinShell, options.user],
      why: 'a dedicated system account with no login shell',
      undo: ['userdel', options.user],
    });
  }
  for (const dir of dirs) {
    steps.push({ kind: 'dir', path: dir.path, mode: dir.mode });
    steps.push({ kind: 'command', argv: ['chown', '-R', owner, dir.path], why: 'owned by the service account (the agent refuses a state directory another account owns)' });
  }
  steps.push({
    kind: 'file',
    path: unitFilePath(options.unitName),
    mode: 0o644,
    content: systemdUnit({
      unitName: options.unitName,
      nodePath: options.nodePath,
      binPath: options.binPath,
      configPath: config.source,
      user: options.user,
      group: options.user,
      writablePaths: dirs.map((d) => d.path),
      credentials,
      environmentFile: ServiceDefaults.environmentFile,
    }),
  });
  steps.push({ kind: 'command', argv: ['systemctl', 'daemon-reload'], why: 'make systemd read the new unit', rerunAfterRollback: true });
  steps.push({ kind: 'command', argv: ['systemctl', 'enable', '--now', `${options.unitName}.service`], why: 'start now and at every boot' });
  notes.push(`the config file ${config.source} must be readable by ${options.user} (e.g. chgrp ${options.user} and chmod 0640)`);
  notes.push(`register once as the service account: sudo -u ${options.user} ${options.nodePath} ${options.binPath} register --config ${config.source} --token TOKEN`);
  return { platform: 'linux', steps, notes };
}

/** Stops, disables and removes the unit; keeps state and logs unless `purge`. */
export function linuxUninstallPlan(config: AgentConfig, options: { unitName: string; user: string; purge: boolean }): ServicePlan {
  assertNames(options.unitName, options.user);
  const unit = `${options.unitName}.service`;
  const steps: ServiceStep[] = [
    { kind: 'command', argv: ['systemctl', 'disable', '--now', unit], why: 'stop it and remove it from boot', mayFail: true },
    { kind: 'remove', path: unitFilePath(options.unitName), recursive: false },
    { kind: 'command', argv: ['systemctl', 'daemon-reload'], why: 'make systemd forget the unit' },
    { kind: 'command', argv: ['systemctl', 'reset-failed', unit], why: 'clear a failed state, if any', mayFail: true },
  ];
  const dirs = writableDirs(config);
  const notes: string[] = [];
  if (options.purge) {
    for (const dir of dirs) steps.push({ kind: 'remove', path: dir.path, recursive: true });
    steps.push({ kind: 'command', argv: ['userdel', options.user], why: 'remove the service account', mayFail: true });
    notes.push('--purge removes the agent keys with the state directory: the agent must be registered again to be used');
  } else {
    notes.push(`kept: ${dirs.map((d) => d.path).join(', ')} and the account ${options.user} (add --purge to remove them)`);
  }
  return { platform: 'linux', steps, notes };
}
