import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ConfigError } from '../../../../agent/config/config-error.js';
import { configPathFrom, loadConfig, parseConfigText } from '../../../../agent/config/load-config.js';

const SOURCE = '/etc/writeback-agent/config.json';

// Tests break the config in arbitrary ways, so the fixture is loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

function minimal(): Loose {
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
      },
    ],
  };
}

function rejects(t: ExecutionContext, mutate: (c: Loose) => void, path: string, pattern: RegExp): ConfigError {
  const config = minimal();
  mutate(config);
  const error = t.throws(() => parseConfigText(JSON.stringify(config), SOURCE), { instanceOf: ConfigError });
  t.is(error.path, path);
  t.true(error.message.startsWith(`config error at ${path}: `), error.message);
  t.regex(error.message, pattern);
  t.false(error.message.includes('\n'), 'one line');
  return error;
}

test('config.example.json at the project root loads', async (t) => {
  const config = await loadConfig(join(import.meta.dirname, '../../../../config.example.json'));
  t.is(config.directories.length, 1);
  t.is(config.directories[0]!.kind, 'activeDirectory');
  t.deepEqual(config.directories[0]!.bindPassword, { env: 'CORP_BIND_PASSWORD' });
});

test('config.example.json shows every key the loader fills in', async (t) => {
  const path = join(import.meta.dirname, '../../../../config.example.json');
  const example = JSON.parse(await readFile(path, 'utf8'));
  const loaded = await loadConfig(path);
  const keyPaths = (value: unknown, prefix: string): string[] =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)])
      : Array.isArray(value) && value.length > 0 && typeof value[0] === 'object'
        ? keyPaths(value[0], `${prefix}[].`)
        : [];
  const { source: _source, ...loadedWithoutSource } = loaded;
  t.deepEqual(keyPaths(example, '').sort(), keyPaths(loadedWithoutSource, '').sort());
});

test('a minimal config gets every default', (t) => {
  const config = parseConfigText(JSON.stringify(minimal()), SOURCE);
  t.is(config.source, SOURCE);
  t.deepEqual(config.service, { url: 'wss://reset.example.com/agent/v1', allowInsecure: false, caFile: null, proxy: null, trustedKeys: [] });
  t.is(config.secretStore, 'keychain');
  t.is(config.defaultDirectory, null);
  t.deepEqual(config.limits, { maxInFlight: 16, perTargetPerMinute: 5 });
  t.deepEqual(config.clock, { maxSkewMs: 60_000 });
  t.deepEqual(config.journal, { retentionDays: 7 });
  t.deepEqual(config.logging, { level: 'info', dir: null, maxFileBytes: 10 * 1024 * 1024, maxFiles: 10, console: true });
  t.deepEqual(config.audit, { file: '/var/lib/writeback-agent/audit.jsonl' });
  t.deepEqual(config.schedule, {
    permissionCheck: '0 */6 * * *',
    journalCompaction: '17 3 * * *',
    certificateExpiry: '0 8 * * *',
    certificateWarningDays: [30, 14, 7, 1],
  });
  const d = config.directories[0]!;
  t.deepEqual(d.tls, { caFile: null, startTls: false });
  t.deepEqual(d.scope, { include: ['OU=Staff,DC=corp,DC=example'], exclude: [], refuseProtectedAccounts: true, protectedGroups: [], selfServiceProtectedGroups: [] });
  t.deepEqual(d.portal, { contactAttributes: [], allowEveryone: false, allowedGroups: [], verifyPassword: { enabled: false, maxAttempts: 3, windowSeconds: 1800 } });
  t.is(d.historyOnReset, 'bestEffort');
  t.is(d.passwordMethod, 'passwordModify');
  t.is(d.timeoutMs, 10_000);
  t.is(d.poolSize, 4);
  t.is(d.policyCacheMs, 60_000);
});

test('defaults are fresh copies, not shared between loads', (t) => {
  const a = parseConfigText(JSON.stringify(minimal()), SOURCE);
  a.schedule.certificateWarningDays.push(99);
  a.directories[0]!.scope.exclude.push('OU=x,DC=corp,DC=example');
  const b = parseConfigText(JSON.stringify(minimal()), SOURCE);
  t.deepEqual(b.schedule.certificateWarningDays, [30, 14, 7, 1]);
  t.deepEqual(b.directories[0]!.scope.exclude, []);
});

test('relative paths resolve against the config file directory', (t) => {
  const config = minimal();
  config.stateDir = 'state';
  config.directories[0].bindPassword = { file: 'secrets/bind.txt' };
  config.directories[0].tls = { caFile: 'ca.pem' };
  config.logging = { dir: '../log/wa' };
  const loaded = parseConfigText(JSON.stringify(config), SOURCE);
  t.is(loaded.stateDir, '/etc/writeback-agent/state');
  t.deepEqual(loaded.directories[0]!.bindPassword, { file: '/etc/writeback-agent/secrets/bind.txt' });
  t.is(loaded.directories[0]!.tls.caFile, '/etc/writeback-agent/ca.pem');
  t.is(loaded.logging.dir, '/etc/log/wa');
  t.is(loaded.audit.file, '/etc/writeback-agent/state/audit.jsonl');
});

test('an unknown key is an error naming its path', (t) => {
  const error = rejects(t, (c) => (c.directories[0].scope.exlude = []), 'directories[0].scope.exlude', /unknown key; remove it or fix its spelling \(known keys here: include, exclude/);
  t.regex(error.message, /exclude/);
  rejects(t, (c) => (c.extra = 1), 'extra', /unknown key/);
  rejects(t, (c) => (c.limits = { 'max\nInFlight': 1 }), 'limits["max\\nInFlight"]', /unknown key/);
});

test('a wrong type names the key and the expected type', (t) => {
  rejects(t, (c) => (c.limits = { maxInFlight: '16' }), 'limits.maxInFlight', /expected an integer from 1 to 1024, got a string/);
  rejects(t, (c) => (c.service.allowInsecure = 'yes'), 'service.allowInsecure', /expected a boolean \(true or false\), got a string/);
  rejects(t, (c) => (c.directories[0].urls = 'ldaps://x'), 'directories[0].urls', /expected an array, got a string/);
  rejects(t, (c) => (c.service = []), 'service', /expected an object, got an array/);
  rejects(t, (c) => (c.limits = { maxInFlight: 0 }), 'limits.maxInFlight', /0 is out of range; use an integer from 1 to 1024/);
});

test('a missing required key is named', (t) => {
  rejects(t, (c) => delete c.stateDir, 'stateDir', /missing required key/);
  rejects(t, (c) => delete c.directories[0].scope.include, 'directories[0].scope.include', /missing required key/);
});

test('a literal bindPassword is refused without echoing it', (t) => {
  const error = rejects(
    t,
    (c) => (c.directories[0].bindPassword = 'Sup3r-Secret!'),
    'directories[0].bindPassword',
    /a literal password is not allowed in the config file; use \{ "env": NAME \}, \{ "file": PATH \} or \{ "secret": NAME \}/,
  );
  t.false(error.message.includes('Sup3r-Secret!'));
  rejects(t, (c) => (c.directories[0].bindPassword = { env: 'A', file: 'b' }), 'directories[0].bindPassword', /exactly one of the keys env, file, secret/);
  rejects(t, (c) => (c.directories[0].bindPassword = { env: 'NOT-A-NAME' }), 'directories[0].bindPassword.env', /not a valid environment variable name/);
});

test('ws:// is refused unless allowInsecure is true', (t) => {
  rejects(t, (c) => (c.service.url = 'ws://127.0.0.1:8080/agent'), 'service.url', /ws:\/\/ is unencrypted.*set "service": \{ "allowInsecure": true \}/);
  const config = minimal();
  config.service = { url: 'ws://127.0.0.1:8080/agent', allowInsecure: true };
  t.is(parseConfigText(JSON.stringify(config), SOURCE).service.url, 'ws://127.0.0.1:8080/agent');
  rejects(t, (c) => (c.service.url = 'https://reset.example.com'), 'service.url', /scheme https:\/\/ is not allowed/);
});

test('kind must be activeDirectory or openldap', (t) => {
  rejects(t, (c) => (c.directories[0].kind = 'ad'), 'directories[0].kind', /"ad" is not allowed; use "activeDirectory" or "openldap"/);
});

test('urls must be a non-empty list of ldap or ldaps URLs, ldap only with StartTLS', (t) => {
  rejects(t, (c) => (c.directories[0].urls = []), 'directories[0].urls', /needs at least 1 item/);
  rejects(t, (c) => (c.directories[0].urls = ['ldaps://a', 'http://b']), 'directories[0].urls[1]', /scheme http:\/\/ is not allowed here; use ldaps:\/\//);
  rejects(t, (c) => (c.directories[0].urls = ['ldap://dc1:389']), 'directories[0].urls[0]', /clear text; use ldaps:\/\/, or set "tls": \{ "startTls": true \}/);
  const config = minimal();
  config.directories[0].urls = ['ldap://dc1:389'];
  config.directories[0].tls = { startTls: true };
  t.true(parseConfigText(JSON.stringify(config), SOURCE).directories[0]!.tls.startTls);
  const error = rejects(t, (c) => (c.directories[0].urls = ['ldaps://admin:hunter2@dc1']), 'directories[0].urls[0]', /credentials in the URL/);
  t.false(error.message.includes('hunter2'));
});

test('duplicate directory ids are refused', (t) => {
  rejects(t, (c) => (c.directories as unknown[]).push({ ...c.directories[0] }), 'directories[1].id', /duplicate directory id "corp"/);
});

test('a directory id the protocol cannot report (over 64 characters) and more directories than one report carries (32) are refused at load', (t) => {
  rejects(t, (c) => ((c.directories as { id: string }[])[0]!.id = 'd'.repeat(65)), 'directories[0].id', /at most 64 characters/);
  rejects(t, (c) => (c.directories = Array.from({ length: 33 }, (_, i) => ({ ...(c.directories as object[])[0], id: `d${i}` }))), 'directories', /at most 32 directories/);
});

test('defaultDirectory must name a directory', (t) => {
  rejects(t, (c) => (c.defaultDirectory = 'lab'), 'defaultDirectory', /no directory has the id "lab"/);
});

test('DNs are checked for basic syntax and scope must lie under baseDn', (t) => {
  rejects(t, (c) => (c.directories[0].scope.include = ['OU=Staff DC=corp']), 'directories[0].scope.include[0]', /not a valid DN: invalid DN at position 11: unescaped '='/);
  rejects(t, (c) => (c.directories[0].scope.exclude = ['Staff']), 'directories[0].scope.exclude[0]', /not a valid DN: invalid DN at position 5: expected '='/);
  rejects(t, (c) => (c.directories[0].scope.exclude = ['Staff\nmore']), 'directories[0].scope.exclude[0]', /not a valid DN: invalid DN at position 5: expected '='; /);
  rejects(t, (c) => (c.directories[0].baseDn = 'DC=corp,,DC=example'), 'directories[0].baseDn', /not a valid DN/);
  rejects(t, (c) => (c.directories[0].scope.protectedGroups = ['CN=Admins,']), 'directories[0].scope.protectedGroups[0]', /not a valid DN: invalid DN at position 10: bad attribute type/);
  rejects(t, (c) => (c.directories[0].scope.include = ['OU=Staff,DC=other,DC=example']), 'directories[0].scope.include[0]', /outside baseDn/);
  const config = minimal();
  config.directories[0].scope.include = ['ou=staff, dc=CORP, dc=example', 'CN=Smith\\, John,OU=Staff,DC=corp,DC=example'];
  t.is(parseConfigText(JSON.stringify(config), SOURCE).directories[0]!.scope.include.length, 2);
});

test('cron expressions and trusted keys are validated', (t) => {
  rejects(t, (c) => (c.schedule = { permissionCheck: 'every 6 hours' }), 'schedule.permissionCheck', /not a valid cron expression/);
  rejects(t, (c) => (c.service.trustedKeys = [{ kid: 'k1', publicKey: 'short' }]), 'service.trustedKeys[0].publicKey', /32-byte Ed25519 public key/);
  const config = minimal();
  config.service.trustedKeys = [{ kid: 'k1', publicKey: Buffer.alloc(32, 7).toString('base64url') }];
  t.is(parseConfigText(JSON.stringify(config), SOURCE).service.trustedKeys.length, 1);
});

test('invalid JSON reports the position and never quotes the file', (t) => {
  const text = '{\n  "stateDir": "/x",\n  "directories": [{ "bindPassword": "Sup3r-Secret!" oops }]\n}';
  const error = t.throws(() => parseConfigText(text, SOURCE), { instanceOf: ConfigError });
  t.regex(error.message, /^config error at \/etc\/writeback-agent\/config\.json: not valid JSON at line 3 column \d+; fix the JSON syntax/);
  t.false(error.message.includes('Sup3r'));
});

test('loadConfig names an unreadable file; the path comes from --config or WRITEBACK_AGENT_CONFIG', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-config-'));
  const missing = join(dir, 'nope.json');
  const error = await t.throwsAsync(loadConfig(missing), { instanceOf: ConfigError });
  t.is(error.message, `config error at ${missing}: cannot read the file (ENOENT); check the path given by --config or WRITEBACK_AGENT_CONFIG and that the agent's account can read it`);
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify(minimal()));
  t.is(configPathFrom(undefined, { WRITEBACK_AGENT_CONFIG: file }), file);
  t.is(configPathFrom(file, { WRITEBACK_AGENT_CONFIG: '/elsewhere.json' }), file);
  t.throws(() => configPathFrom(undefined, {}), { message: 'config error at --config: no config file given; pass --config FILE or set WRITEBACK_AGENT_CONFIG' });
  t.is((await loadConfig(file)).directories[0]!.id, 'corp');
});
