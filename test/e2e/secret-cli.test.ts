import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startSlapd } from '../fixtures/slapd.js';
import { cliArgs, type CliResult } from '../helpers/agent-process.js';

// `writeback-agent secret …` as an admin runs it: a real process, a config file, the real file
// store, and the stored bind password used by check-permissions against a real slapd.

const repo = join(import.meta.dirname, '../..');

/** Runs the CLI with `input` on standard input (a pipe, not a terminal). */
async function cli(args: string[], input = '', env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, cliArgs(args), { cwd: repo, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function configDir(t: ExecutionContext, directory: Record<string, unknown>, secretStore: 'file' | 'keychain' = 'file'): Promise<{ dir: string; config: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'wba-secret-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'agent.json');
  await writeFile(config, JSON.stringify({ service: { url: 'wss://127.0.0.1:9/agent/v1' }, stateDir: join(dir, 'state'), secretStore, directories: [directory] }, null, 2));
  return { dir, config };
}

const OFFLINE_DIRECTORY = {
  id: 'ldap',
  kind: 'openldap',
  urls: ['ldaps://127.0.0.1:9'],
  baseDn: 'dc=example,dc=org',
  bindDn: 'cn=agent,dc=example,dc=org',
  bindPassword: { secret: 'ldap-bind' },
  scope: { include: ['ou=people,dc=example,dc=org'] },
};

test('the file store: set from standard input, list, delete; values never printed; the file is 0600', async (t) => {
  const { dir, config } = await configDir(t, OFFLINE_DIRECTORY);
  const value = 'S3cret-Value-from-stdin';
  const set = await cli(['secret', 'set', 'ldap-bind', '--config', config], `${value}\n`);
  t.is(set.code, 0, set.stderr);
  t.is(set.stdout, 'stored the secret ldap-bind in the file secret store; the config refers to it as { "secret": "ldap-bind" }\n');
  const file = join(dir, 'state/secrets.json');
  t.deepEqual(JSON.parse(await readFile(file, 'utf8')), { 'ldap-bind': value }, 'the final newline is dropped');
  t.is((await stat(file)).mode & 0o777, 0o600);
  t.is((await stat(join(dir, 'state'))).mode & 0o777, 0o700);

  t.is((await cli(['secret', 'set', 'other', '--config', config], 'x')).code, 0);
  const list = await cli(['secret', 'list', '--config', config]);
  t.is(list.code, 0, list.stderr);
  t.is(list.stdout, 'ldap-bind\nother\n');
  t.false(`${set.stdout}${set.stderr}${list.stdout}${list.stderr}`.includes(value));

  const deleted = await cli(['secret', 'delete', 'other', '--config', config]);
  t.is(deleted.code, 0, deleted.stderr);
  t.is(deleted.stdout, 'deleted the secret other from the file secret store\n');
  const again = await cli(['secret', 'delete', 'other', '--config', config]);
  t.is(again.code, 2);
  t.is(again.stderr, 'writeback-agent secret: there is no secret other in the file secret store; `writeback-agent secret list` shows the names\n');
  t.is((await cli(['secret', 'list', '--config', config])).stdout, 'ldap-bind\n');
});

test("refuses an empty value, a bad name, the agent's own key names and a missing subcommand, in one line each", async (t) => {
  const { dir, config } = await configDir(t, OFFLINE_DIRECTORY);
  const empty = await cli(['secret', 'set', 'ldap-bind', '--config', config], '\n');
  t.is(empty.code, 2);
  t.regex(empty.stderr, /^writeback-agent secret: no value for ldap-bind: type it at the prompt or pipe it in/);
  t.is((await cli(['secret', 'set', 'bad name', '--config', config], 'x')).code, 2);
  const own = await cli(['secret', 'delete', 'agent-signing-key', '--config', config]);
  t.is(own.stderr, "writeback-agent secret: agent-signing-key is one of the agent's own keys, which only `writeback-agent register` writes; pick another name\n");
  const none = await cli(['secret', '--config', config]);
  t.is(none.stderr, 'writeback-agent secret: no subcommand; the subcommands are `secret set NAME`, `secret list` and `secret delete NAME`\n');
  const extra = await cli(['secret', 'list', 'x', '--config', config]);
  t.is(extra.stderr, 'writeback-agent secret: wrong arguments for `secret list`; the subcommands are `secret set NAME`, `secret list` and `secret delete NAME`\n');
  for (const result of [empty, own, none, extra]) t.is(result.stderr.split('\n').length, 2);
  const file = join(dir, 'state/secrets.json');
  t.deepEqual(existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {}, {}, 'nothing was stored');
});

test('the keychain store on a headless server: one line saying to use the file store', async (t) => {
  if (process.env['DBUS_SESSION_BUS_ADDRESS'] !== undefined) {
    t.log('this machine has a session bus: the keychain may work here, and is not exercised by this test');
  }
  const { config } = await configDir(t, OFFLINE_DIRECTORY, 'keychain');
  const result = await cli(['secret', 'set', 'ldap-bind', '--config', config], 'value');
  if (process.env['DBUS_SESSION_BUS_ADDRESS'] !== undefined && result.code === 0) {
    t.is((await cli(['secret', 'list', '--config', config])).stdout, 'ldap-bind\n');
    t.is((await cli(['secret', 'delete', 'ldap-bind', '--config', config])).code, 0);
    return;
  }
  t.is(result.code, 2);
  t.regex(result.stderr, /^writeback-agent secret: config error at secretStore: the operating system keychain is not usable on this machine .*set "secretStore": "file"/);
  t.is(result.stderr.split('\n').length, 2);
});

test('check-permissions with a { secret } bind password: on a fresh config dir it creates nothing and names `secret set`; after it, it binds', async (t) => {
  const slapd = await startSlapd();
  t.teardown(() => slapd.destroy());
  const { dir, config } = await configDir(t, {
    id: 'ldap',
    kind: 'openldap',
    urls: [slapd.ldapsUrl],
    baseDn: slapd.suffix,
    bindDn: slapd.layout.serviceDn,
    bindPassword: { secret: 'ldap-bind' },
    tls: { caFile: slapd.caFile },
    scope: { include: [slapd.layout.peopleDn] },
    timeoutMs: 3_000,
  });
  const missing = await cli(['check-permissions', '--config', config]);
  t.is(missing.code, 2);
  t.is(
    missing.stderr,
    'writeback-agent check-permissions: config error at directories[0].bindPassword: the secret "ldap-bind" is not in the file secret store; store it, as the agent\'s account, with: writeback-agent secret set ldap-bind --config FILE (or use { "env": NAME } or { "file": PATH })\n',
  );
  t.deepEqual(await readdir(dir), ['agent.json'], 'check-permissions created no state directory, secrets or logs');

  t.is((await cli(['secret', 'set', 'ldap-bind', '--config', config], slapd.layout.servicePassword)).code, 0);
  const before = await readdir(join(dir, 'state'));
  const checked = await cli(['check-permissions', '--config', config]);
  t.is(checked.code, 0, checked.stdout + checked.stderr);
  t.regex(checked.stdout, /^OK {6}bind: /m);
  t.deepEqual(await readdir(join(dir, 'state')), before, 'nothing new in the state directory');
  t.false(checked.stdout.includes(slapd.layout.servicePassword));

  // A successful check on a fresh config dir leaves it as it was, too.
  const fresh = await configDir(t, {
    id: 'ldap',
    kind: 'openldap',
    urls: [slapd.ldapsUrl],
    baseDn: slapd.suffix,
    bindDn: slapd.layout.serviceDn,
    bindPassword: { env: 'WBA_SECRET_CLI_BIND' },
    tls: { caFile: slapd.caFile },
    scope: { include: [slapd.layout.peopleDn] },
    timeoutMs: 3_000,
  });
  const clean = await cli(['check-permissions', '--config', fresh.config], '', { WBA_SECRET_CLI_BIND: slapd.layout.servicePassword });
  t.is(clean.code, 0, clean.stdout + clean.stderr);
  t.deepEqual(await readdir(fresh.dir), ['agent.json'], 'check-permissions created nothing');
});

test('at a terminal, set prompts twice and echoes nothing that is typed (a pseudo-terminal from script(1))', async (t) => {
  const { dir, config } = await configDir(t, OFFLINE_DIRECTORY);
  const value = 'Typed-At-The-Prompt-5';
  const command = [process.execPath, ...cliArgs(['secret', 'set', 'ldap-bind', '--config', config])].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  const answered = new Set<string>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
    // Typed only once the prompt is on the screen, as a person would.
    for (const prompt of ['(not shown): ', 'again, to confirm: ']) {
      if (screen.includes(prompt) && !answered.has(prompt)) {
        answered.add(prompt);
        child.stdin.write(`${value}\r`);
      }
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  t.is(code, 0, screen);
  t.regex(screen, /value for ldap-bind \(not shown\): /);
  t.regex(screen, /stored the secret ldap-bind in the file secret store/);
  t.false(screen.includes(value), 'the typed value was echoed');
  t.deepEqual(JSON.parse(await readFile(join(dir, 'state/secrets.json'), 'utf8')), { 'ldap-bind': value });
});
