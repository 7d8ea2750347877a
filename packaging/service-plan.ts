import type { ServicePlan } from '../agent/service/service-plan.js';
import { SANDBOX_LINES } from '../agent/service/systemd-unit.js';

/**
 * The reset service's default install for its Debian package: an account, its data directory
 * (`service.json`, the signing keys, the SQLite database) and a unit that runs `serve` on that
 * directory. `writeback-service` has no install-service of its own, so the plan is written here,
 * in the shape the agent's plan has, and sandboxed like the agent's unit.
 */
export const ServicePackage = {
  name: 'writeback-service',
  dataDir: '/var/lib/writeback-service',
  nologinShell: '/usr/sbin/nologin',
} as const;

function serviceUnit(nodePath: string, binPath: string): string {
  const { name, dataDir } = ServicePackage;
  return [
    '[Unit]',
    'Description=writeback-service: the password reset service that writeback-agents connect to',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=exec',
    `User=${name}`,
    `Group=${name}`,
    `Environment=WRITEBACK_SERVICE_DATA=${dataDir}`,
    // A PostgreSQL password (PGPASSWORD) goes here, never into service.json's database.url.
    `EnvironmentFile=-/etc/default/${name}`,
    `ExecStart=${nodePath} ${binPath} serve --data ${dataDir}`,
    'Restart=on-failure',
    'RestartSec=5s',
    // serve drains on SIGTERM: results of commands already sent are awaited for up to 5 s.
    'TimeoutStopSec=30s',
    'KillSignal=SIGTERM',
    'UMask=0077',
    '',
    '# Sandbox',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${dataDir}`,
    'ProtectHome=yes',
    'PrivateTmp=yes',
    ...SANDBOX_LINES,
    '# MemoryDenyWriteExecute= is left out on purpose: V8 needs memory that is writable, then executable.',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The service's plan: account, data directory (0700, as `init` makes it) and unit; enabling is the admin's. */
export function servicePlan(nodePath: string, binPath: string): ServicePlan {
  const { name, dataDir, nologinShell } = ServicePackage;
  return {
    platform: 'linux',
    steps: [
      {
        kind: 'command',
        argv: ['useradd', '--system', '--user-group', '--no-create-home', '--home-dir', dataDir, '--shell', nologinShell, name],
        why: 'a dedicated system account with no login shell',
        undo: ['userdel', name],
      },
      { kind: 'dir', path: dataDir, mode: 0o700 },
      { kind: 'command', argv: ['chown', '-R', `${name}:${name}`, dataDir], why: 'owned by the service account' },
      { kind: 'file', path: `/etc/systemd/system/${name}.service`, mode: 0o644, content: serviceUnit(nodePath, binPath) },
      { kind: 'command', argv: ['systemctl', 'daemon-reload'], why: 'make systemd read the new unit' },
    ],
    notes: [`run init once as ${name} (sudo -u ${name} writeback-service init --data ${dataDir} --public-url URL) before enabling the unit`],
  };
}
