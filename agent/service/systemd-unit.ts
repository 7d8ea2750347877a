import { AGENT_VERSION } from '../runtime/version.js';
import { SandboxHiddenPaths } from './sandbox-hidden-paths.js';
import { ServiceDefaults } from './service-defaults.js';

/** A credential systemd hands the unit: `LoadCredential[Encrypted]=name:source`. */
export interface UnitCredential {
  name: string;
  source: string;
  encrypted: boolean;
}

export interface SystemdUnitOptions {
  unitName: string;
  nodePath: string;
  binPath: string;
  configPath: string;
  user: string;
  group: string;
  /** Every path the agent writes: state, logs, audit (ReadWritePaths=; all else is read-only). */
  writablePaths: string[];
  credentials: UnitCredential[];
  environmentFile: string;
}

/**
 * The hardening every unit of ours shares (after ProtectSystem, ReadWritePaths, ProtectHome and
 * PrivateTmp, which depend on the unit). `systemd-analyze security` rates the agent's unit with it.
 */
export const SANDBOX_LINES: readonly string[] = [
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'RemoveIPC=yes',
  'CapabilityBoundingSet=',
  'AmbientCapabilities=',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  'SystemCallArchitectures=native',
  // @pkey too: V8 uses memory protection keys for its JIT code space where the CPU has them.
  'SystemCallFilter=@system-service @pkey',
  'SystemCallErrorNumber=EPERM',
];

/**
 * systemd needs no quoting for plain paths; a path with a space, quote, backslash or `%` is
 * quoted C-style and `%` doubled (specifier escape), so any path the config allows survives.
 */
export function unitArg(value: string): string {
  const escaped = value.replace(/%/g, '%%');
  if (!/[\s"'\\]/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** For settings that take the rest of the line as one path (EnvironmentFile=, LoadCredential=): only `%` needs escaping. */
export function unitPath(value: string): string {
  return value.replace(/%/g, '%%');
}

/** ReadWritePaths= and similar space-separated path lists take the same quoting per item. */
function pathList(paths: string[]): string {
  return paths.map(unitArg).join(' ');
}

/** Refuses values that would end the line and start a directive of their own. */
function assertOneLine(value: string, what: string): void {
  if (/[\n\r]/.test(value)) throw new TypeError(`${what} contains a line break`);
}

/**
 * The hardened unit. Everything not listed in ReadWritePaths= is read-only, the account has no
 * capabilities and cannot gain any, and only IP and Unix sockets can be opened.
 */
export function systemdUnit(options: SystemdUnitOptions): string {
  const all = [
    options.nodePath,
    options.binPath,
    options.configPath,
    options.user,
    options.group,
    options.environmentFile,
    ...options.writablePaths,
    ...options.credentials.flatMap((c) => [c.name, c.source]),
  ];
  all.forEach((value) => assertOneLine(value, 'a unit value'));
  const credentialLines = options.credentials.map((c) => `${c.encrypted ? 'LoadCredentialEncrypted' : 'LoadCredential'}=${c.name}:${unitPath(c.source)}`);
  const lines = [
    `# Written by \`writeback-agent install-service\` ${AGENT_VERSION}. Run it again after changing stateDir,`,
    '# logging.dir, audit.file or a bind password credential; local changes belong in a drop-in',
    `# (systemctl edit ${options.unitName}), which this command never overwrites.`,
    '[Unit]',
    'Description=writeback-agent: applies signed password reset commands to the directory',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=exec',
    `User=${options.user}`,
    `Group=${options.group}`,
    `Environment=${unitArg(`WRITEBACK_AGENT_CONFIG=${options.configPath}`)}`,
    ...Object.entries(ServiceDefaults.runEnvironment).map(([name, value]) => `Environment=${unitArg(`${name}=${value}`)}`),
    `EnvironmentFile=-${unitPath(options.environmentFile)}`,
    `ExecStart=${[options.nodePath, ...ServiceDefaults.runNodeFlags, options.binPath, 'run', '--config', options.configPath].map(unitArg).join(' ')}`,
    'Restart=on-failure',
    `RestartSec=${ServiceDefaults.restartSec}s`,
    `TimeoutStopSec=${ServiceDefaults.stopTimeoutSec}s`,
    'KillSignal=SIGTERM',
    'UMask=0077',
    ...(credentialLines.length > 0
      ? [`# Bind passwords: the config reads them as { "file": "${ServiceDefaults.credentialsRuntimeDir}/${options.unitName}.service/NAME" } ($CREDENTIALS_DIRECTORY).`, ...credentialLines]
      : []),
    '',
    '# Sandbox',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${pathList(options.writablePaths)}`,
    SandboxHiddenPaths.ProtectHome.setting,
    SandboxHiddenPaths.PrivateTmp.setting,
    ...SANDBOX_LINES,
    '# MemoryDenyWriteExecute= is left out on purpose: V8 compiles JavaScript to machine code at run',
    '# time and needs memory that is writable and then executable; with it set, node aborts at start.',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return `${lines.join('\n')}\n`;
}
