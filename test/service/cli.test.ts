import test from 'ava';
import { statSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromJwk } from '../../protocol/index.js';
import { DataDir } from '../../service/config/data-dir.js';
import { openMigrated } from '../../service/db/open-database.js';
import { insertAgent } from '../../service/store/agents.js';
import { runServiceCli, ServiceProcess } from '../helpers/service-process.js';

// The `writeback-service` command line on its own (SQLite, no agent): init is idempotent and
// private, and every failure is exit 2 with one line naming the fix.

let root = '';

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'wbs-cli-'));
});

test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
});

const oneLine = (text: string): boolean => text.trim().split('\n').length === 1;

test('init creates a private data directory, every configuration key, a 0600 signing key; again, it changes nothing', async (t) => {
  const data = join(root, 'init');
  const first = await runServiceCli(['init', '--data', data]);
  t.is(first.code, 0, first.stderr);
  t.is(statSync(data).mode & 0o777, 0o700);
  const config = JSON.parse(readFileSync(join(data, 'service.json'), 'utf8'));
  for (const key of ['publicUrl', 'database', 'smtp', 'sms', 'portal', 'helpdesk', 'admin']) t.true(key in config, key);
  t.is(config.database.url, null);
  const keys = readdirSync(join(data, 'keys'));
  t.is(keys.length, 1);
  t.is(statSync(join(data, 'keys', keys[0]!)).mode & 0o777, 0o600);
  t.is(statSync(join(data, 'service.db')).mode & 0o777, 0o600);
  const before = readFileSync(join(data, 'service.json'), 'utf8');
  const again = await runServiceCli(['init', '--data', data]);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /nothing changed/);
  t.is(readFileSync(join(data, 'service.json'), 'utf8'), before);
  t.deepEqual(readdirSync(join(data, 'keys')), keys);
});

test('no data directory, an uninitialized one, a bad configuration: exit 2, one line, the fix named', async (t) => {
  const none = await runServiceCli(['tenant', 'create', 'x'], { env: { WRITEBACK_SERVICE_DATA: '' } });
  t.is(none.code, 2);
  t.true(oneLine(none.stderr));
  t.regex(none.stderr, /--data DIR or set WRITEBACK_SERVICE_DATA/);
  const empty = await runServiceCli(['agents', 'list', '--data', join(root, 'never')]);
  t.is(empty.code, 2);
  t.regex(empty.stderr, /writeback-service init --data/);
  const data = join(root, 'bad-config');
  t.is((await runServiceCli(['init', '--data', data])).code, 0);
  const config = JSON.parse(readFileSync(join(data, 'service.json'), 'utf8'));
  writeFileSync(join(data, 'service.json'), JSON.stringify({ ...config, smtp: { ...config.smtp, password: 'literal' } }));
  const literal = await runServiceCli(['agents', 'list', '--data', data]);
  t.is(literal.code, 2);
  t.true(oneLine(literal.stderr));
  t.regex(literal.stderr, /smtp\.password must be null, \{ "env": NAME \}/);
  t.notRegex(literal.stderr, /literal"/);
  writeFileSync(join(data, 'service.json'), JSON.stringify({ ...config, listn: '127.0.0.1:1' }));
  const unknown = await runServiceCli(['agents', 'list', '--data', data]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown key listn/);
});

test('serve on a port in use exits 2 in one line; an unknown flag and a bad duration are usage errors', async (t) => {
  const data = join(root, 'serve');
  t.is((await runServiceCli(['init', '--data', data])).code, 0);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as { port: number };
  const busy = await runServiceCli(['serve', '--data', data, '--listen', `127.0.0.1:${port}`]);
  blocker.close();
  t.is(busy.code, 2);
  t.true(oneLine(busy.stderr), busy.stderr);
  t.regex(busy.stderr, /EADDRINUSE.*--listen HOST:PORT/);
  const flag = await runServiceCli(['agents', 'list', '--data', data, '--tenat', 'x']);
  t.is(flag.code, 2);
  t.regex(flag.stderr, /tenat/);
  t.is((await runServiceCli(['tenant', 'create', 'acme', '--data', data])).code, 0);
  const ttl = await runServiceCli(['token', 'create', '--tenant', 'acme', '--ttl', 'soon', '--data', data]);
  t.is(ttl.code, 2);
  t.regex(ttl.stderr, /not a duration; write e\.g\. 30s/);
  const twice = await runServiceCli(['tenant', 'create', 'acme', '--data', data]);
  t.is(twice.code, 2);
  t.regex(twice.stderr, /exists already/);
});

test('a signing key from an environment reference instead of a file; a missing variable is named in one line', async (t) => {
  const data = join(root, 'key-env');
  t.is((await runServiceCli(['init', '--data', data])).code, 0);
  const [file] = readdirSync(join(data, 'keys'));
  const kid = file!.replace(/\.jwk$/, '');
  const jwk = readFileSync(join(data, 'keys', file!), 'utf8');
  rmSync(join(data, 'keys', file!));
  const config = JSON.parse(readFileSync(join(data, 'service.json'), 'utf8'));
  writeFileSync(join(data, 'service.json'), JSON.stringify({ ...config, signingKeys: { [kid]: { env: 'WBS_TEST_SIGNING_KEY' } } }));
  const missing = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0']);
  t.is(missing.code, 2);
  t.true(oneLine(missing.stderr), missing.stderr);
  t.regex(missing.stderr, /WBS_TEST_SIGNING_KEY is not set/);
  const { process: node } = await ServiceProcess.start(['--data', data, '--listen', '127.0.0.1:0'], join(root, 'key-env-output'), 'serve', { env: { WBS_TEST_SIGNING_KEY: jwk } });
  t.is(await node.stop('SIGTERM'), 0);
  t.false(node.output.includes(JSON.parse(jwk).d), 'the private key is never logged');
});

test('agents remove, agents checkpoint, admin-token revoke and DELETE of an agent refuse a malformed agent id or token name at the boundary, in one line', async (t) => {
  const data = join(root, 'boundary');
  t.is((await runServiceCli(['init', '--data', data])).code, 0);
  t.is((await runServiceCli(['tenant', 'create', 'acme', '--data', data])).code, 0);
  const odd = 'x y\u001b[31m';
  for (const args of [
    ['agents', 'remove', '--tenant', 'acme', '--agent', odd],
    ['agents', 'checkpoint', '--agent', odd],
  ]) {
    const refused = await runServiceCli([...args, '--data', data]);
    t.is(refused.code, 2, args.join(' '));
    t.true(oneLine(refused.stderr), refused.stderr);
    t.regex(refused.stderr, /--agent takes an agent id/);
    t.false(refused.stderr.includes('\u001b'), 'the raw argument is not echoed');
  }
  const revoke = await runServiceCli(['admin-token', 'revoke', '--name', odd, '--data', data]);
  t.is(revoke.code, 2);
  t.true(oneLine(revoke.stderr), revoke.stderr);
  t.regex(revoke.stderr, /--name takes 1 to 64 letters/);

  const token = (await runServiceCli(['admin-token', 'create', '--data', data])).stdout.trim();
  const { process: node, url } = await ServiceProcess.start(['--data', data, '--listen', '127.0.0.1:0'], join(root, 'boundary-output'), 'serve');
  try {
    for (const id of ['%E0%A4%A', '..%0a']) {
      const response = await fetch(`${url}/api/v1/tenants/acme/agents/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      t.is(response.status, 400, id);
      t.like(await response.json(), { error: 'USAGE' });
    }
    const badTenant = await fetch(`${url}/api/v1/tenants/%E0%A4%A/agents`, { headers: { authorization: `Bearer ${token}` } });
    t.is(badTenant.status, 400);
  } finally {
    t.is(await node.stop('SIGTERM'), 0);
  }
  t.false(node.output.includes('admin API request failed'), 'a malformed path is a usage error, not an internal one');
});

test("an agent's name and host name, which its registration chose, reach the terminal without control characters (agents list, keys rotate and status)", async (t) => {
  const data = join(root, 'printable');
  t.is((await runServiceCli(['init', '--data', data])).code, 0);
  const tenantId = (await runServiceCli(['tenant', 'create', 'acme', '--data', data])).stdout.trim();
  const store = await openMigrated({ url: null, sqliteFile: DataDir.from(data).sqliteFile });
  const [signing, encryption] = [keyPairFromJwk(generateKeyPair('Ed25519').jwk), keyPairFromJwk(generateKeyPair('X25519').jwk)];
  await insertAgent(
    store.db,
    { id: 'odd-agent', tenantId, name: 'a\u001b[2Jb\u009bc', hostname: 'h\r\nfake line\u202e', version: '1', signingKey: signing.publicKeyRaw, encryptionKey: encryption.publicKeyRaw },
    [],
    new Date(),
  );
  await store.close();
  for (const args of [
    ['agents', 'list'],
    ['keys', 'rotate'],
    ['keys', 'status'],
  ]) {
    const shown = await runServiceCli([...args, '--data', data]);
    t.is(shown.code, 0, shown.stderr);
    t.regex(shown.stdout, /odd-agent/, args.join(' '));
    for (const unsafe of ['\u001b', '\u009b', '\r', '\u202e', '\nfake line']) t.false(shown.stdout.includes(unsafe), `${args.join(' ')}: ${JSON.stringify(unsafe)}`);
  }
});

test('keys rotate and keys status (--json too) name a running node that lacks the newest key, with the copy that fixes it; a node not seen within its liveness window holds nothing back', async (t) => {
  const data = join(root, 'nodes');
  t.is((await runServiceCli(['init', '--data', data])).code, 0);
  const sqliteFile = DataDir.from(data).sqliteFile;
  const store = await openMigrated({ url: null, sqliteFile });
  const { kid: oldKid } = await store.db.selectFrom('signing_keys').select('kid').executeTakeFirstOrThrow();
  const now = Date.now();
  // Another node, seen just now (its liveness window is 90 s), and one last seen an hour ago holding no key.
  const node = (nodeId: string, kids: string[], lastSeen: number) => ({
    node_id: nodeId,
    hostname: 'other.test',
    data_dir: '/srv/wb',
    kids: JSON.stringify(kids),
    heartbeat_ms: 30_000,
    started_at: new Date(lastSeen).toISOString(),
    last_seen_at: new Date(lastSeen).toISOString(),
  });
  await store.db
    .insertInto('service_nodes')
    .values([node('running-node', [oldKid], now), node('gone-node', [], now - 3_600_000)])
    .execute();
  await store.close();

  const rotate = await runServiceCli(['keys', 'rotate', '--json', '--data', data]);
  t.is(rotate.code, 0, rotate.stderr);
  const rotation = JSON.parse(rotate.stdout) as { added: { kid: string }; retired: string[]; blockers: { agents: unknown[]; nodes: { nodeId: string; kids: string[]; fix: string }[] } };
  const newKid = rotation.added.kid;
  t.deepEqual(rotation.retired, [], 'no agent waits, but the running node lacks the new key');
  t.deepEqual(rotation.blockers.agents, []);
  t.deepEqual(
    rotation.blockers.nodes.map((n) => [n.nodeId, n.kids]),
    [['running-node', [oldKid]]],
  );
  t.is(rotation.blockers.nodes[0]!.fix, `copy keys/${newKid}.jwk (mode 0600) to /srv/wb/keys/ on other.test, or point signingKeys at it; the node loads it at its next heartbeat`);

  const status = await runServiceCli(['keys', 'status', '--data', data]);
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, new RegExp(`^${oldKid}  active`, 'm'));
  t.true(
    status.stdout.includes(`older keys stay active until these running nodes hold the newest key, ${newKid}:\n  node running-node on other.test, data directory /srv/wb, last seen `),
    status.stdout,
  );
  t.false(status.stdout.includes('gone-node'), status.stdout);

  // The node loads the new key (its next heartbeat writes this): nothing holds the old one back any more.
  const again = await openMigrated({ url: null, sqliteFile });
  await again.db
    .updateTable('service_nodes')
    .set({ kids: JSON.stringify([newKid, oldKid]), last_seen_at: new Date().toISOString() })
    .where('node_id', '=', 'running-node')
    .execute();
  await again.close();
  const after = await runServiceCli(['keys', 'status', '--json', '--data', data]);
  t.is(after.code, 0, after.stderr);
  t.like(JSON.parse(after.stdout), { newest: newKid, retired: [oldKid], blockers: { agents: [], nodes: [] } });
});
