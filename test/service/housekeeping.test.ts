import test, { type ExecutionContext } from 'ava';
import { chmodSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromJwk, signAuditCheckpoint } from '../../protocol/index.js';
import { DataDir } from '../../service/config/data-dir.js';
import { defaultConfig, type ServiceConfig } from '../../service/config/service-config.js';
import { openMigrated } from '../../service/db/open-database.js';
import type { ServiceDb } from '../../service/db/open-database.js';
import { retirementBlockers } from '../../service/keys/key-rotation.js';
import { createSigningKey, KeyStatus } from '../../service/keys/signing-keys.js';
import { jsonLineLogger, type ServiceLogger } from '../../service/logger.js';
import { ServiceNode } from '../../service/service-node.js';
import { createAdminToken } from '../../service/store/admin-tokens.js';
import { insertAgent } from '../../service/store/agents.js';
import { auditCheckpointHistory, auditCheckpointRegressions, latestAuditCheckpoint, saveAuditCheckpoint } from '../../service/store/audit-checkpoints.js';
import { createTenant } from '../../service/store/tenants.js';
import { openHelpdeskSession } from '../../service/store/helpdesk-sessions.js';
import { eventually } from '../helpers/eventually.js';

// A service node's periodic housekeeping (each heartbeat) on a real SQLite database: sessions that
// ran out, audit checkpoint history past its retention, and signing keys that `keys rotate` added on
// another node sharing the database.

/** A node on a new data directory with one signing key, its heartbeat every 50 ms; `setup` writes to its database first. */
async function startNode(
  t: ExecutionContext,
  options: { logger: ServiceLogger; now?: () => Date; setup?: (store: ServiceDb) => Promise<unknown>; configure?: (config: ServiceConfig) => void },
): Promise<{ node: ServiceNode; dataDir: DataDir; kid: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-housekeeping-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dataDir = new DataDir(join(dir, 'data'));
  dataDir.create();
  const config = defaultConfig();
  config.agents.heartbeatIntervalMs = 50;
  options.configure?.(config);
  const setup = await openMigrated({ url: null, sqliteFile: dataDir.sqliteFile });
  const { kid } = await createSigningKey(setup.db, dataDir, new Date());
  await options.setup?.(setup);
  await setup.close();
  const node = await ServiceNode.start({ dataDir, config, listen: '127.0.0.1:0', tls: null, logger: options.logger, ...(options.now === undefined ? {} : { now: options.now }) });
  t.teardown(() => node.stop(0));
  return { node, dataDir, kid };
}

test('help desk sessions that ran out are deleted by housekeeping, not only at the next sign-in', async (t) => {
  let clock = new Date('2026-12-05T00:00:00.000Z');
  const { node } = await startNode(t, { logger: jsonLineLogger('error', new PassThrough()), now: () => clock, setup: (store) => createAdminToken(store.db, 'desk', new Date()) });
  const config = node.context.config;
  const db = node.context.store.db;
  const token = await db.selectFrom('admin_tokens').select('token_hash').executeTakeFirstOrThrow();
  const limits = { maxMs: config.helpdesk.sessionMaxMs, idleMs: config.helpdesk.sessionIdleMs };
  await openHelpdeskSession(db, token.token_hash, limits, clock);
  await openHelpdeskSession(db, token.token_hash, limits, clock);
  // One of the two goes idle (no page for longer than idleMs); the other is still in use.
  const idle = await db.selectFrom('helpdesk_sessions').select('id_hash').executeTakeFirstOrThrow();
  await db
    .updateTable('helpdesk_sessions')
    .set({ last_used_at: new Date(clock.getTime() - limits.idleMs - 1).toISOString() })
    .where('id_hash', '=', idle.id_hash)
    .execute();
  await eventually(async () => (await db.selectFrom('helpdesk_sessions').select('id_hash').where('id_hash', '=', idle.id_hash).execute()).length === 0, {
    timeoutMs: 5_000,
    what: 'housekeeping to delete the idle session',
  });
  t.is((await db.selectFrom('helpdesk_sessions').select('id_hash').execute()).length, 1);
  // Past the longest a session may last, the other one goes too.
  clock = new Date(clock.getTime() + limits.maxMs + 1);
  await eventually(async () => (await db.selectFrom('helpdesk_sessions').select('id_hash').execute()).length === 0, { timeoutMs: 5_000, what: 'housekeeping to delete the expired session' });
});

test("audit checkpoints received before the retention are deleted by housekeeping, except each agent's latest and every regression; the count is logged at debug", async (t) => {
  const now = new Date('2026-12-05T00:00:00.000Z');
  const daysAgo = (days: number): Date => new Date(now.getTime() - days * 86_400_000);
  const agentKeys = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
  const point = (bytes: number, days: number, head: string) => signAuditCheckpoint({ lastHash: head.repeat(64), bytes, at: daysAgo(days).toISOString() }, agentKeys.privateKey);
  let log = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const { node } = await startNode(t, {
    logger: jsonLineLogger('debug', stream),
    now: () => now,
    configure: (config) => (config.agents.checkpointHistoryDays = 30),
    setup: async ({ db }) => {
      const tenant = await createTenant(db, 'acme', daysAgo(400));
      for (const id of ['busy', 'idle']) {
        const encryption = keyPairFromJwk(generateKeyPair('X25519').jwk);
        await insertAgent(db, { id, tenantId: tenant.id, name: id, hostname: 'h', version: '1', signingKey: agentKeys.publicKeyRaw, encryptionKey: encryption.publicKeyRaw }, [], daysAgo(400));
      }
      // Each received the day it was signed.
      for (const [agent, checkpoint] of [
        ['busy', point(100, 40, 'a')],
        ['busy', point(50, 35, 'b')],
        ['busy', point(200, 31, 'c')],
        ['busy', point(300, 10, 'd')],
        ['idle', point(100, 100, 'a')],
      ] as const) {
        await saveAuditCheckpoint(db, agent, checkpoint, new Date(checkpoint.at));
      }
    },
  });
  const db = node.context.store.db;
  await eventually(async () => (await auditCheckpointHistory(db, 'busy')).length === 2, { timeoutMs: 5_000, what: 'housekeeping to prune the history older than 30 days' });
  t.deepEqual(await auditCheckpointHistory(db, 'busy'), [point(50, 35, 'b'), point(300, 10, 'd')], 'the regression of 35 days ago stays');
  t.deepEqual(await auditCheckpointHistory(db, 'idle'), [point(100, 100, 'a')], "idle's only checkpoint stays, 100 days old");
  t.like(await auditCheckpointRegressions(db, 'busy'), [{ regression: 'SHORTER', previous: point(100, 40, 'a'), checkpoint: point(50, 35, 'b') }]);
  t.deepEqual((await latestAuditCheckpoint(db, 'idle'))?.checkpoint, point(100, 100, 'a'));
  await eventually(() => log.includes('audit checkpoint history pruned'), { timeoutMs: 5_000, what: 'the pruning to be logged' });
  const lines = log
    .split('\n')
    .filter((line) => line.includes('audit checkpoint history pruned'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  t.is(lines.length, 1, 'one line, for the one run that deleted something');
  t.like(lines[0], { level: 'debug', count: 2 });
});

// When the key file here is not usable yet, its log line says why and what fixes it, and the node
// goes on with the keys it holds until it is.
test('a new key whose file other accounts may read is not loaded: the log names the file and the chmod; once fixed, it is loaded', async (t) => {
  let log = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const { node, dataDir, kid: first } = await startNode(t, { logger: jsonLineLogger('info', stream) });

  // What `keys rotate` on another node leaves here: the database row, and a key file copied without its mode.
  const { jwk, publicKeyRaw } = generateKeyPair('Ed25519');
  const kid = 'k-20261205-copied';
  const file = join(dataDir.keysDir, `${kid}.jwk`);
  writeFileSync(file, `${JSON.stringify(jwk)}\n`, { mode: 0o644 });
  chmodSync(file, 0o644);
  await node.context.store.db.insertInto('signing_keys').values({ kid, public_key: publicKeyRaw, created_at: new Date().toISOString(), status: KeyStatus.active }).execute();

  await eventually(() => log.includes('cannot load the new signing keys'), { timeoutMs: 5_000, what: 'the refused reload to be logged' });
  const line = JSON.parse(log.split('\n').find((l) => l.includes('cannot load the new signing keys'))!) as Record<string, unknown>;
  t.regex(String(line['reason']), new RegExp(`${kid}\\.jwk is accessible to other accounts \\(mode 0644\\); run: chmod 600 `));
  t.false(log.includes(String(jwk.d)), 'no key material in the log');
  t.deepEqual(
    node.context.keys.current.map((key) => key.kid),
    [first],
    'the node goes on with the key it holds',
  );

  chmodSync(file, 0o600);
  await eventually(() => node.context.keys.current.some((key) => key.kid === kid), { timeoutMs: 5_000, what: 'the new key to be loaded once its mode is fixed' });
  t.regex(log, /signing keys reloaded/);
});

// One node on SQLite is its own row in service_nodes: the key it signs with retires only once it
// holds the newest one, even with no agent to wait for.
test('a new key the only node cannot load yet does not retire the key it signs with; once it loads the new key, the old one retires', async (t) => {
  let log = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  // The node's clock stands still, so its row is judged live however late this test reads it (its liveness window is three 50 ms heartbeats).
  const clock = new Date();
  const { node, dataDir, kid: first } = await startNode(t, { logger: jsonLineLogger('info', stream), now: () => clock });
  const db = node.context.store.db;
  const status = async (kid: string) => (await db.selectFrom('signing_keys').select('status').where('kid', '=', kid).executeTakeFirstOrThrow()).status;

  // What `keys rotate` run elsewhere leaves here: the database row, no key file yet.
  const { jwk, publicKeyRaw } = generateKeyPair('Ed25519');
  const kid = 'k-20261205-elsewhere';
  await db.insertInto('signing_keys').values({ kid, public_key: publicKeyRaw, created_at: new Date().toISOString(), status: KeyStatus.active }).execute();
  // Two refusals: the first heartbeat's retirement check has run by the second.
  await eventually(() => log.split('cannot load the new signing keys').length > 2, { timeoutMs: 10_000, what: 'two refused reloads' });
  t.is(await status(first), 'active', 'no agent waits, but the node itself lacks the new key');
  const { blockers } = await retirementBlockers(db, clock);
  t.deepEqual(blockers.agents, []);
  t.deepEqual(
    blockers.nodes.map((row) => [row.node_id, row.data_dir, row.kids]),
    [[node.context.nodeId, dataDir.path, JSON.stringify([first])]],
  );

  writeFileSync(join(dataDir.keysDir, `${kid}.jwk`), `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
  await eventually(async () => (await status(first)) === 'retired', { timeoutMs: 10_000, what: 'the old key to retire once the node holds the new one' });
  await eventually(() => node.context.keys.current.map((key) => key.kid).join() === kid, { timeoutMs: 10_000, what: 'the node to drop the retired key' });
  await eventually(async () => (await db.selectFrom('service_nodes').select('kids').where('node_id', '=', node.context.nodeId).executeTakeFirstOrThrow()).kids === JSON.stringify([kid]), {
    timeoutMs: 10_000,
    what: "the node's row to hold only the new key",
  });
  t.regex(log, /signing keys retired/);
});
