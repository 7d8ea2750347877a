import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServiceCli, ServiceProcess } from '../helpers/service-process.js';

// What a new admin gets wrong on the service side, each refused with exit 2 and one line that names
// the file, flag or key to fix (never an "internal error", never a secret from the input).

let root = '';

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'wbs-refusals-'));
});

test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
});

const oneLine = (text: string): boolean => text.trim().split('\n').length === 1;

async function initialized(name: string): Promise<string> {
  const data = join(root, name);
  const run = await runServiceCli(['init', '--data', data]);
  if (run.code !== 0) throw new Error(run.stderr);
  return data;
}

function editConfig(data: string, edit: (config: Record<string, Record<string, unknown>>) => void): void {
  const file = join(data, 'service.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  edit(config);
  writeFileSync(file, JSON.stringify(config));
}

test('a database URL that is not postgres:// is refused as such, by --db and by init, without echoing it', async (t) => {
  const data = await initialized('db-url');
  const other = await runServiceCli(['agents', 'list', '--data', data, '--db', 'mysql://admin:Db-Secret-1@db.internal/x']);
  t.is(other.code, 2);
  t.true(oneLine(other.stderr), other.stderr);
  t.regex(other.stderr, /must be postgres:\/\/USER@HOST:PORT\/DATABASE \(got mysql:\)/);
  t.notRegex(other.stderr, /Db-Secret-1|cannot reach/);
  const init = await runServiceCli(['init', '--data', join(root, 'db-url-init'), '--db', 'sqlite:///var/lib/x.db']);
  t.is(init.code, 2);
  t.regex(init.stderr, /got sqlite:\); for the embedded SQLite database, give no --db/);
});

test('a data directory that cannot be created is named with the reason, not an internal error', async (t) => {
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  const run = await runServiceCli(['init', '--data', join(file, 'data')]);
  t.is(run.code, 2);
  t.true(oneLine(run.stderr), run.stderr);
  t.regex(run.stderr, /cannot create the data directory .*a-file\/data \(ENOTDIR\)/);
  t.notRegex(run.stderr, /internal error/);
});

test('serve names a TLS file it cannot read, and a key that does not match the certificate', async (t) => {
  const data = await initialized('tls');
  const missing = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0', '--tls-cert', join(root, 'none.crt'), '--tls-key', join(root, 'none.key')]);
  t.is(missing.code, 2);
  t.true(oneLine(missing.stderr), missing.stderr);
  t.regex(missing.stderr, /cannot read the TLS certificate .*none\.crt \(ENOENT\); check --tls-cert/);
  // A PEM key but no certificate where the certificate should be.
  const key = join(root, 'server.key');
  writeFileSync(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const notPem = join(root, 'not.crt');
  writeFileSync(notPem, 'hello\n');
  const bad = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0', '--tls-cert', notPem, '--tls-key', key]);
  t.is(bad.code, 2);
  t.true(oneLine(bad.stderr), bad.stderr);
  t.regex(bad.stderr, /the TLS certificate .*not\.crt and key .*server\.key cannot be used \(.+\); give PEM files/);
  t.notRegex(bad.stderr, /PRIVATE KEY/);
  // A real certificate, made with another key than the one given.
  const cert = join(root, 'other.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(root, 'other.key'), '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '1'],
    { stdio: 'ignore' },
  );
  const mismatch = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]);
  t.is(mismatch.code, 2);
  t.regex(mismatch.stderr, /other\.crt and key .*server\.key cannot be used \(.*key values mismatch\)/);
});

test('configuration numbers a node cannot run with are refused with their bounds', async (t) => {
  const data = await initialized('numbers');
  const cases: [string, (config: Record<string, Record<string, unknown>>) => void, RegExp][] = [
    ['heartbeat', (c) => (c['agents']!['heartbeatIntervalMs'] = -5), /agents\.heartbeatIntervalMs must be a whole number from 1000 to 3600000/],
    ['lifetime', (c) => (c['commands']!['defaultTtlMs'] = 99_999_999), /commands\.defaultTtlMs must be a whole number from 1000 to 900000/],
    ['failures', (c) => (c['registration']!['maxFailures'] = 0.5), /registration\.maxFailures must be a whole number/],
    ['help desk failures', (c) => (c['helpdesk']!['maxFailures'] = 0), /helpdesk\.maxFailures must be a whole number from 1 to 1000000/],
    ['token ttl', (c) => (c['registration']!['tokenTtl'] = 'a day'), /registration\.tokenTtl: "a day" is not a duration/],
    ['no checkpoint history', (c) => (c['agents']!['checkpointHistoryDays'] = 0), /agents\.checkpointHistoryDays must be a whole number from 1 to 3650/],
    ['checkpoint history forever', (c) => (c['agents']!['checkpointHistoryDays'] = 36_500), /agents\.checkpointHistoryDays must be a whole number from 1 to 3650/],
    ['checkpoint history in part days', (c) => (c['agents']!['checkpointHistoryDays'] = 7.5), /agents\.checkpointHistoryDays must be a whole number from 1 to 3650/],
  ];
  const original = readFileSync(join(data, 'service.json'), 'utf8');
  t.is((JSON.parse(original) as { agents: { checkpointHistoryDays: unknown } }).agents.checkpointHistoryDays, 90, 'init writes the retention with its default');
  for (const [what, edit, expected] of cases) {
    writeFileSync(join(data, 'service.json'), original);
    editConfig(data, edit);
    const run = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0'], { timeoutMs: 20_000 });
    t.is(run.code, 2, what);
    t.true(oneLine(run.stderr), run.stderr);
    t.regex(run.stderr, expected, what);
  }
});

test('reset --password-stdin refuses a terminal, where the password would show as it is typed', async (t) => {
  const data = await initialized('tty');
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  // `script` gives the command a pseudo-terminal as its standard input, as an admin at a shell would.
  const command = [process.execPath, '--import', 'tsx', join(repo, 'service/cli/bin.ts'), 'reset', '--data', data, '--tenant', 'acme', '--user', 'alice', '--password-stdin'].join(' ');
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: repo, input: '', encoding: 'utf8', timeout: 60_000 });
  t.is(run.status, 2, run.stdout);
  t.regex(
    run.stdout,
    /--password-stdin reads a pipe, not a terminal, where the password would show as it is typed; pipe it in \(printf '%s\\n' "\$PASSWORD" \| writeback-service reset \.\.\.\) or use --generate/,
  );
});

test('a signing key file that other accounts may read is refused with the chmod that fixes it, in keys/ and behind a file reference', async (t) => {
  const data = await initialized('key-mode');
  const [name] = readdirSync(join(data, 'keys'));
  const keyFile = join(data, 'keys', name!);
  chmodSync(keyFile, 0o644);
  const open = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0']);
  t.is(open.code, 2);
  t.true(oneLine(open.stderr), open.stderr);
  t.regex(open.stderr, /signing key .*\.jwk is accessible to other accounts \(mode 0644\); run: chmod 600 /);
  // The same key moved out of the data directory and named by a { "file": PATH } reference.
  const moved = join(root, 'vault.jwk');
  renameSync(keyFile, moved);
  chmodSync(moved, 0o640);
  editConfig(data, (config) => (config['signingKeys'] = { [name!.replace(/\.jwk$/, '')]: { file: moved } }));
  const referenced = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0']);
  t.is(referenced.code, 2);
  t.regex(referenced.stderr, /vault\.jwk is accessible to other accounts \(mode 0640\); run: chmod 600 .*vault\.jwk/);
  chmodSync(moved, 0o600);
  const { process: node } = await ServiceProcess.start(['--data', data, '--listen', '127.0.0.1:0'], join(root, 'key-mode-output'), 'serve');
  t.is(await node.stop('SIGTERM'), 0, 'a 0600 key file behind a reference serves');
});
