import test, { type ExecutionContext } from 'ava';
import { ConfigError } from '../../../../agent/config/config-error.js';
import { parseConfigText } from '../../../../agent/config/load-config.js';
import { agentCapabilities, isOperationEnabled } from '../../../../agent/policy/portal-features.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

function config(directory: Loose = {}): Loose {
  return {
    service: { url: 'wss://reset.example.com/agent/v1' },
    stateDir: '/var/lib/writeback-agent',
    directories: [
      {
        id: 'corp',
        kind: 'activeDirectory',
        urls: ['ldaps://dc1.corp.example:636'],
        baseDn: 'DC=corp,DC=example',
        bindDn: 'CN=svc-writeback,OU=Service Accounts,DC=corp,DC=example',
        bindPassword: { env: 'CORP_BIND_PASSWORD' },
        scope: { include: ['OU=Staff,DC=corp,DC=example'] },
        ...directory,
      },
    ],
  };
}

const load = (c: Loose) => parseConfigText(JSON.stringify(c), '/etc/writeback-agent/config.json');

function rejects(t: ExecutionContext, directory: Loose, path: string, pattern: RegExp): void {
  const error = t.throws(() => load(config(directory)), { instanceOf: ConfigError });
  t.is(error.path, path);
  t.regex(error.message, pattern);
}

test('portal features are all off by default, and the hello announces SPEC.md ops only', (t) => {
  const loaded = load(config());
  const d = loaded.directories[0]!;
  t.false(isOperationEnabled('verifyPassword', d));
  t.false(isOperationEnabled('getContactInfo', d));
  t.true(isOperationEnabled('resetPassword', d));
  t.deepEqual(agentCapabilities(loaded.directories), ['resetPassword', 'changePassword', 'unlockAccount', 'getAccountState', 'checkPermissions']);
});

test('each portal op is announced only when some directory turns it on', (t) => {
  const verify = load(config({ portal: { allowEveryone: true, verifyPassword: { enabled: true } } }));
  t.deepEqual(agentCapabilities(verify.directories).slice(5), ['verifyPassword']);
  const contact = load(config({ portal: { allowedGroups: ['CN=Portal,OU=Staff,DC=corp,DC=example'], contactAttributes: ['mail', 'mobile', 'otherMailbox'] } }));
  t.deepEqual(agentCapabilities(contact.directories).slice(5), ['getContactInfo']);
  t.deepEqual(contact.directories[0]!.portal?.contactAttributes, ['mail', 'mobile', 'otherMailbox']);
});

test('contact attribute names are validated strictly and credentials are never allowed', (t) => {
  const everyone = { allowEveryone: true };
  rejects(t, { portal: { ...everyone, contactAttributes: ['mail;binary'] } }, 'directories[0].portal.contactAttributes[0]', /not an attribute name/);
  rejects(t, { portal: { ...everyone, contactAttributes: ['*'] } }, 'directories[0].portal.contactAttributes[0]', /not an attribute name/);
  rejects(t, { portal: { ...everyone, contactAttributes: ['2.5.4.3'] } }, 'directories[0].portal.contactAttributes[0]', /not an attribute name/);
  rejects(t, { portal: { ...everyone, contactAttributes: ['mail', 'unicodePwd'] } }, 'directories[0].portal.contactAttributes[1]', /holds credentials/);
  rejects(t, { portal: { ...everyone, contactAttributes: ['userPassword'] } }, 'directories[0].portal.contactAttributes[0]', /holds credentials/);
  rejects(t, { portal: { ...everyone, contactAttributes: ['ms-Mcs-AdmPwd'] } }, 'directories[0].portal.contactAttributes[0]', /holds credentials/);
  rejects(t, { portal: { ...everyone, contactAttributes: ['mail', 'MAIL'] } }, 'directories[0].portal.contactAttributes[1]', /listed twice/);
  rejects(t, { portal: { ...everyone, contactAttributes: Array.from({ length: 17 }, (_, i) => `a${i}`) } }, 'directories[0].portal.contactAttributes', /more than 16/);
  rejects(t, { portal: { ...everyone, contactAtributes: ['mail'] } }, 'directories[0].portal.contactAtributes', /unknown key/);
});

test('a portal feature with nobody allowed, a group outside baseDn, or odd limits are refused', (t) => {
  rejects(t, { portal: { verifyPassword: { enabled: true } } }, 'directories[0].portal.allowedGroups', /no user may use it/);
  rejects(t, { portal: { contactAttributes: ['mail'] } }, 'directories[0].portal.allowedGroups', /no user may use it/);
  rejects(t, { portal: { allowedGroups: ['CN=Portal,DC=other,DC=example'] } }, 'directories[0].portal.allowedGroups[0]', /outside baseDn/);
  rejects(t, { portal: { allowedGroups: ['not a dn'] } }, 'directories[0].portal.allowedGroups[0]', /not a valid DN/);
  rejects(t, { portal: { allowEveryone: true, verifyPassword: { enabled: true, maxAttempts: 0 } } }, 'directories[0].portal.verifyPassword.maxAttempts', /out of range/);
  rejects(t, { portal: { allowEveryone: true, verifyPassword: { enabled: true, windowSeconds: 5 } } }, 'directories[0].portal.verifyPassword.windowSeconds', /out of range/);
  rejects(t, { scope: { include: ['OU=Staff,DC=corp,DC=example'], selfServiceProtectedGroups: ['CN=Admins,DC=elsewhere'] } }, 'directories[0].scope.selfServiceProtectedGroups[0]', /outside baseDn/);
});

test('the self-service opt-in for protected accounts is empty by default and takes group DNs', (t) => {
  t.deepEqual(load(config()).directories[0]!.scope.selfServiceProtectedGroups, []);
  const groups = ['CN=Tier1 Admins,OU=Staff,DC=corp,DC=example'];
  t.deepEqual(load(config({ scope: { include: ['OU=Staff,DC=corp,DC=example'], selfServiceProtectedGroups: groups } })).directories[0]!.scope.selfServiceProtectedGroups, groups);
});
