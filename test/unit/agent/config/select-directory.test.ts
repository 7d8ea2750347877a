import test from 'ava';
import { parseConfigText } from '../../../../agent/config/load-config.js';
import { selectDirectory } from '../../../../agent/config/select-directory.js';

const directory = (id: string): Record<string, unknown> => ({
  id,
  kind: 'openldap',
  urls: ['ldaps://ldap.example:636'],
  baseDn: 'dc=example',
  bindDn: 'cn=agent,dc=example',
  bindPassword: { env: 'PW' },
  scope: { include: ['ou=people,dc=example'] },
});

test('selects the named directory, else defaultDirectory, else the first', (t) => {
  const text = (defaultDirectory: string | null): string =>
    JSON.stringify({ service: { url: 'wss://s.example' }, stateDir: '/tmp/x', defaultDirectory, directories: [directory('a'), directory('b')] });
  const config = parseConfigText(text(null), '/etc/wa.json');
  t.is(selectDirectory(config, undefined)!.id, 'a');
  t.is(selectDirectory(config, 'b')!.id, 'b');
  t.is(selectDirectory(config, 'c'), null);
  t.is(selectDirectory(parseConfigText(text('b'), '/etc/wa.json'), undefined)!.id, 'b');
});
