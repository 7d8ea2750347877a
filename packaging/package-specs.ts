import { linuxInstallPlan } from '../agent/service/linux-install.js';
import { parseConfigText } from '../agent/config/load-config.js';
import type { ServicePlan } from '../agent/service/service-plan.js';
import { servicePlan } from './service-plan.js';

/**
 * The Debian packages `npm run package` builds, one entry each. They share the application tree
 * (the npm pack contents plus production node_modules) and the Node runtime; an entry names its
 * bins (from package.json's `bin`), the words of its control file, and the install plan whose
 * account, directories and unit the package carries.
 */
export interface DebianPackageSpec {
  /** Debian package name; also the directory under /usr/lib. */
  name: string;
  /** Keys of package.json's `bin` that get a /usr/bin wrapper. */
  bins: readonly string[];
  summary: string;
  description: readonly string[];
  /** The install-service plan for a default install: account, directories and unit. */
  plan: () => ServicePlan;
  /** What the admin does after installing (shown in the unit file and the description). */
  nextSteps: string;
}

/** Where packages put the shared application tree, and the runtime inside it. */
export const PackageLayout = {
  libDir: (name: string): string => `/usr/lib/${name}`,
  nodePath: (name: string): string => `/usr/lib/${name}/node/bin/node`,
  unitDir: '/lib/systemd/system',
  docDir: (name: string): string => `/usr/share/doc/${name}`,
} as const;

/** The agent's default install, exactly as `writeback-agent install-service` would make it. */
function agentPlan(): ServicePlan {
  const name = 'writeback-agent';
  const config = parseConfigText(
    JSON.stringify({
      service: { url: 'wss://reset.example.com/agent/v1' },
      stateDir: '/var/lib/writeback-agent',
      secretStore: 'file',
      directories: [
        {
          id: 'corp',
          kind: 'openldap',
          urls: ['ldaps://ldap.example:636'],
          baseDn: 'dc=example',
          bindDn: 'cn=agent,dc=example',
          bindPassword: { secret: 'corp-bind' },
          scope: { include: ['dc=example'] },
        },
      ],
      logging: { dir: '/var/log/writeback-agent' },
    }),
    '/etc/writeback-agent/config.json',
  );
  return linuxInstallPlan(config, {
    unitName: name,
    user: name,
    nodePath: PackageLayout.nodePath(name),
    binPath: `${PackageLayout.libDir(name)}/dist/agent/cli/bin.js`,
    encryptedCredentials: false,
    userExists: false,
  });
}

export const DebianPackages: readonly DebianPackageSpec[] = [
  {
    name: 'writeback-agent',
    bins: ['writeback-agent'],
    summary: 'password-writeback agent for Active Directory and OpenLDAP',
    description: [
      'The on-premises half of a self-service password reset: it holds an',
      'outbound WebSocket to the cloud reset service and applies signed, expiring',
      'reset and unlock commands to Active Directory or OpenLDAP over LDAP.',
      'It carries its own Node.js runtime; the host needs none.',
    ],
    plan: agentPlan,
    nextSteps:
      'write /etc/writeback-agent/config.json (see /usr/lib/writeback-agent/docs/configuration.md), store the bind password with `writeback-agent secret set`, register, then `systemctl enable --now writeback-agent`',
  },
  {
    name: 'writeback-service',
    bins: ['writeback-service'],
    summary: 'password reset service for writeback-agent',
    description: [
      'The cloud half of a self-service password reset: it issues registration',
      "tokens, holds the agents' WebSockets, signs and seals reset and unlock",
      'commands, stores every signed result and serves the admin API.',
      'It carries its own Node.js runtime; the host needs none.',
    ],
    plan: () => servicePlan(PackageLayout.nodePath('writeback-service'), `${PackageLayout.libDir('writeback-service')}/dist/service/cli/bin.js`),
    nextSteps:
      'run `sudo -u writeback-service writeback-service init --data /var/lib/writeback-service --public-url URL` (see /usr/lib/writeback-service/docs/service.md), put the TLS certificate and key in /etc/writeback-service and name them in service.json, then `systemctl enable --now writeback-service`',
  },
];
