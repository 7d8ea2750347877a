import { parseConfigText } from '../../../../agent/config/load-config.js';
import type { AgentConfig } from '../../../../agent/config/agent-config.js';

/** A valid config with one AD and one OpenLDAP directory; `overrides` replace top-level keys. */
export function serviceConfig(overrides: Record<string, unknown> = {}, source = '/etc/writeback-agent/config.json'): AgentConfig {
  const value = {
    service: { url: 'wss://reset.example.com/agent/v1' },
    stateDir: '/var/lib/writeback-agent',
    secretStore: 'file',
    directories: [
      {
        id: 'corp',
        kind: 'activeDirectory',
        urls: ['ldaps://dc1.corp.example:636'],
        baseDn: 'DC=corp,DC=example',
        bindDn: 'CN=svc-writeback,DC=corp,DC=example',
        bindPassword: { file: '/run/credentials/writeback-agent.service/corp-bind' },
        scope: { include: ['OU=Staff,DC=corp,DC=example'] },
      },
      {
        id: 'people',
        kind: 'openldap',
        urls: ['ldaps://ldap.example:636'],
        baseDn: 'dc=example',
        bindDn: 'cn=agent,dc=example',
        bindPassword: { env: 'PEOPLE_BIND_PASSWORD' },
        scope: { include: ['ou=people,dc=example'] },
      },
    ],
    logging: { dir: '/var/log/writeback-agent' },
    ...overrides,
  };
  return parseConfigText(JSON.stringify(value), source);
}
