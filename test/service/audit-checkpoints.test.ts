import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Feature, auditCheckpointMessage, generateKeyPair, keyPairFromJwk, signAuditCheckpoint, type AuditCheckpoint } from '../../protocol/index.js';
import { DataDir } from '../../service/config/data-dir.js';
import { auditCheckpointHistoryMigration } from '../../service/db/audit-checkpoint-history-migration.js';
import { openMigrated, type ServiceDb } from '../../service/db/open-database.js';
import { receiveAuditCheckpoint } from '../../service/gateway/audit-checkpoint-handler.js';
import type { NodeContext } from '../../service/gateway/node-context.js';
import { SigningKeyring } from '../../service/keys/signing-keyring.js';
import { insertAgent } from '../../service/store/agents.js';
import { auditCheckpointHistory, auditCheckpointRegressions, latestAuditCheckpoint, saveAuditCheckpoint, type AuditCheckpointTables } from '../../service/store/audit-checkpoints.js';
import { createTenant } from '../../service/store/tenants.js';
import { PostgresFixture } from '../fixtures/postgres.js';
import { runServiceCli } from '../helpers/service-process.js';

// The real service holds each agent's latest audit checkpoint (issue 24, item 9) in its own
// database (SQLite made by `init`, and PostgreSQL), and prints it for `writeback-agent audit verify --checkpoint`.

const agentKeys = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const T0 = Date.parse('2026-12-04T21:00:00.000Z');
const point = (bytes: number, seconds: number, head = 'c'): AuditCheckpoint =>
  signAuditCheckpoint({ lastHash: head.repeat(64), bytes, at: new Date(T0 + seconds * 1000).toISOString() }, agentKeys.privateKey);

let root = '';
let data = '';
let store: ServiceDb;
let keyring: SigningKeyring;
let agentId = '';
const logged: string[] = [];

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'wbs-checkpoints-'));
  data = join(root, 'data');
  const init = await runServiceCli(['init', '--data', data]);
  if (init.code !== 0) throw new Error(init.stderr);
  store = await openMigrated({ url: null, sqliteFile: DataDir.from(data).sqliteFile });
  keyring = await SigningKeyring.load(store.db, DataDir.from(data), DataDir.from(data).readConfig());
  const tenant = await createTenant(store.db, 'checkpoints', new Date(T0));
  agentId = 'agent-checkpoints';
  const encryption = keyPairFromJwk(generateKeyPair('X25519').jwk);
  await insertAgent(
    store.db,
    { id: agentId, tenantId: tenant.id, name: 'a', hostname: 'h', version: '1', signingKey: agentKeys.publicKeyRaw, encryptionKey: encryption.publicKeyRaw },
    [],
    new Date(T0),
  );
});

test.after.always(async () => {
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

function context(): NodeContext {
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => void logged.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return {
    nodeId: 'n1',
    store,
    keys: keyring,
    config: DataDir.from(data).readConfig(),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => new Date(T0),
  };
}

/** The store's rules, on whichever database `db` is. */
async function storeRules(t: ExecutionContext, db: ServiceDb['db'], agent: string): Promise<void> {
  t.is(await latestAuditCheckpoint(db, agent), null);
  t.like(await saveAuditCheckpoint(db, agent, point(100, 1), new Date(T0)), { outcome: 'stored', previous: null });
  t.like(await saveAuditCheckpoint(db, agent, point(100, 1), new Date(T0)), { outcome: 'stale' });
  t.like(await saveAuditCheckpoint(db, agent, point(50, 0), new Date(T0)), { outcome: 'stale' });
  t.deepEqual((await latestAuditCheckpoint(db, agent))?.checkpoint, point(100, 1));
  t.like(await saveAuditCheckpoint(db, agent, point(200, 2, 'd'), new Date(T0)), { outcome: 'stored' });
  // A shorter log: kept as an event with the previous one; the latest good one stays.
  const shrank = await saveAuditCheckpoint(db, agent, point(150, 3, 'e'), new Date(T0 + 3000));
  t.like(shrank, { outcome: 'regressed', regression: 'SHORTER' });
  t.deepEqual(shrank.previous, point(200, 2, 'd'));
  t.deepEqual((await latestAuditCheckpoint(db, agent))?.checkpoint, point(200, 2, 'd'));
  // The rewritten log grows, but is still short of the latest good one: held in the history only.
  t.like(await saveAuditCheckpoint(db, agent, point(180, 4, 'f'), new Date(T0)), { outcome: 'behind', regression: null });
  t.deepEqual((await latestAuditCheckpoint(db, agent))?.checkpoint, point(200, 2, 'd'));
  // The same length ending in another line: rewritten.
  t.like(await saveAuditCheckpoint(db, agent, point(180, 5, 'a'), new Date(T0 + 5000)), { outcome: 'regressed', regression: 'OTHER_HEAD' });
  t.like(await saveAuditCheckpoint(db, agent, point(300, 6, 'b'), new Date(T0)), { outcome: 'stored' });
  t.deepEqual((await latestAuditCheckpoint(db, agent))?.checkpoint, point(300, 6, 'b'));
  t.deepEqual(await auditCheckpointRegressions(db, agent), [
    { receivedAt: new Date(T0 + 3000).toISOString(), regression: 'SHORTER', previous: point(200, 2, 'd'), checkpoint: point(150, 3, 'e') },
    { receivedAt: new Date(T0 + 5000).toISOString(), regression: 'OTHER_HEAD', previous: point(180, 4, 'f'), checkpoint: point(180, 5, 'a') },
  ]);
}

test.serial('the store keeps every checkpoint; one that does not extend the previous is a regression event, and the latest good one stays', async (t) => {
  await storeRules(t, store.db, agentId);
});

test('the same rules on PostgreSQL', async (t) => {
  const pg = await PostgresFixture.start();
  t.teardown(() => pg.destroy());
  const pgStore = await openMigrated({ url: await pg.createDatabase('checkpoints'), sqliteFile: join(root, 'unused.db'), poolSize: 2 });
  t.teardown(() => pgStore.close());
  const tenant = await createTenant(pgStore.db, 'checkpoints', new Date(T0));
  const encryption = keyPairFromJwk(generateKeyPair('X25519').jwk);
  await insertAgent(
    pgStore.db,
    { id: 'pg-agent', tenantId: tenant.id, name: 'a', hostname: 'h', version: '1', signingKey: agentKeys.publicKeyRaw, encryptionKey: encryption.publicKeyRaw },
    [],
    new Date(T0),
  );
  await storeRules(t, pgStore.db, 'pg-agent');
});

test.serial('the gateway handler holds only checkpoints of a session that negotiated the feature, for its own agent, signed with its key, not dated ahead of the clock', async (t) => {
  const session = { agentId, agentSigningKey: agentKeys.publicKey, features: new Set<string>([Feature.auditCheckpoint]) };
  const stranger = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
  const forged = signAuditCheckpoint({ lastHash: 'd'.repeat(64), bytes: 900, at: new Date(T0 + 10_000).toISOString() }, stranger.privateKey);
  await receiveAuditCheckpoint(context(), session, auditCheckpointMessage(agentId, forged));
  await receiveAuditCheckpoint(context(), session, auditCheckpointMessage('another-agent', point(900, 10)));
  await receiveAuditCheckpoint(context(), { agentId, agentSigningKey: agentKeys.publicKey }, auditCheckpointMessage(agentId, point(900, 10)));
  await receiveAuditCheckpoint(context(), { ...session, features: new Set<string>() }, auditCheckpointMessage(agentId, point(900, 10)));
  await receiveAuditCheckpoint(context(), session, auditCheckpointMessage(agentId, point(900, 3600)));
  t.deepEqual((await latestAuditCheckpoint(store.db, agentId))?.checkpoint, point(300, 6, 'b'), 'nothing refused was held');
  t.is(logged.filter((line) => line.includes('not signed by the session agent')).length, 2);
  t.is(logged.filter((line) => line.includes('UNEXPECTED_MESSAGE')).length, 2);
  t.is(logged.filter((line) => line.includes('signed in the future')).length, 1);
  await receiveAuditCheckpoint(context(), session, auditCheckpointMessage(agentId, point(900, 10)));
  t.deepEqual((await latestAuditCheckpoint(store.db, agentId))?.checkpoint, point(900, 10));
  t.true(logged.some((line) => line.startsWith('info audit checkpoint held')));
  // A log cut on the host and signed with the agent's key: warned with both checkpoints, the good one kept.
  await receiveAuditCheckpoint(context(), session, auditCheckpointMessage(agentId, point(400, 20, 'e')));
  const warning = logged.find((line) => line.startsWith('warn audit checkpoint REGRESSED: the log is shorter than at the previous checkpoint'));
  t.truthy(warning);
  t.true(warning!.includes(JSON.stringify(point(900, 10))) && warning!.includes(JSON.stringify(point(400, 20, 'e'))));
  t.deepEqual((await latestAuditCheckpoint(store.db, agentId))?.checkpoint, point(900, 10));
});

test.serial('`agents checkpoint --agent ID` prints the latest good checkpoint as the agent signed it and every regression on stderr; none held is exit 1, an unknown agent exit 2', async (t) => {
  const shown = await runServiceCli(['agents', 'checkpoint', '--agent', agentId, '--data', data]);
  t.is(shown.code, 0, shown.stderr);
  t.deepEqual(JSON.parse(shown.stdout), point(900, 10));
  t.is(shown.stdout.trim().split('\n').length, 1);
  const regressed = shown.stderr.split('\n').filter((line) => line.startsWith('REGRESSED'));
  t.is(regressed.length, 3);
  t.regex(regressed[2]!, /^REGRESSED \(received 2026-12-04T21:00:00\.000Z\): the log is shorter than at the previous checkpoint/);
  t.true(shown.stderr.includes(`  previous: ${JSON.stringify(point(900, 10))}\n  then:     ${JSON.stringify(point(400, 20, 'e'))}`));
  t.false(shown.stderr.includes('history:'));
  const history = await runServiceCli(['agents', 'checkpoint', '--agent', agentId, '--history', '--data', data]);
  t.is(history.code, 0, history.stderr);
  // What the history holds, on stderr: stdout stays one checkpoint a line.
  t.regex(history.stderr, /^history: the checkpoints received in the last 90 days \(agents\.checkpointHistoryDays\), every regression, and the latest; the service prunes the others$/m);
  const held = history.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditCheckpoint);
  t.deepEqual(
    held.map((c) => c.bytes),
    [100, 200, 150, 180, 180, 300, 900, 400],
    'every checkpoint held, oldest first',
  );
  t.deepEqual(held.at(-2), point(900, 10));
  const unknown = await runServiceCli(['agents', 'checkpoint', '--agent', 'nobody', '--data', data]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no agent "nobody"/);
  const usage = await runServiceCli(['agents', 'checkpoint', '--data', data]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--agent is required/);
  const encryption = keyPairFromJwk(generateKeyPair('X25519').jwk);
  const tenant = await createTenant(store.db, 'quiet', new Date(T0));
  await insertAgent(
    store.db,
    { id: 'quiet-agent', tenantId: tenant.id, name: 'q', hostname: 'h', version: '1', signingKey: agentKeys.publicKeyRaw, encryptionKey: encryption.publicKeyRaw },
    [],
    new Date(T0),
  );
  const none = await runServiceCli(['agents', 'checkpoint', '--agent', 'quiet-agent', '--data', data]);
  t.is(none.code, 1);
  t.regex(none.stderr, /has reported no audit checkpoint yet/);
});

test('the history migration starts the history with the checkpoints held before it', async (t) => {
  const older = await openMigrated({ url: null, sqliteFile: join(root, 'before-history.db') });
  t.teardown(() => older.close());
  const tenant = await createTenant(older.db, 'older', new Date(T0));
  const encryption = keyPairFromJwk(generateKeyPair('X25519').jwk);
  await insertAgent(
    older.db,
    { id: 'older-agent', tenantId: tenant.id, name: 'o', hostname: 'h', version: '1', signingKey: agentKeys.publicKeyRaw, encryptionKey: encryption.publicKeyRaw },
    [],
    new Date(T0),
  );
  // The schema as 0004 left it: the history table not there yet, one checkpoint held.
  await auditCheckpointHistoryMigration.down!(older.db);
  const held = point(500, 1, 'd');
  const row = { agent_id: 'older-agent', checkpoint: JSON.stringify(held), at: held.at, bytes: held.bytes, received_at: new Date(T0).toISOString() };
  await older.db.withTables<AuditCheckpointTables>().insertInto('audit_checkpoints').values(row).execute();
  await auditCheckpointHistoryMigration.up(older.db);
  t.deepEqual(await auditCheckpointHistory(older.db, 'older-agent'), [held]);
  t.like(await saveAuditCheckpoint(older.db, 'older-agent', point(200, 2, 'e'), new Date(T0)), { outcome: 'regressed', regression: 'SHORTER', previous: held });
});

/** An agent whose history holds a good checkpoint and then one judged a regression, written as a node would have stored them. */
async function agentWithHistory(
  tenantName: string,
  agentId: string,
  good: AuditCheckpoint,
  judged: { checkpoint: AuditCheckpoint; regression: string; previous: AuditCheckpoint | null },
): Promise<void> {
  const tenant = await createTenant(store.db, tenantName, new Date(T0));
  const encryption = keyPairFromJwk(generateKeyPair('X25519').jwk);
  const agent = { id: agentId, tenantId: tenant.id, name: agentId, hostname: 'h', version: '1', signingKey: agentKeys.publicKeyRaw, encryptionKey: encryption.publicKeyRaw };
  await insertAgent(store.db, agent, [], new Date(T0));
  const row = (checkpoint: AuditCheckpoint, regression: string | null, previous: AuditCheckpoint | null) => ({
    agent_id: agentId,
    at: checkpoint.at,
    checkpoint: JSON.stringify(checkpoint),
    received_at: checkpoint.at,
    regression,
    previous: previous === null ? null : JSON.stringify(previous),
  });
  await store.db
    .withTables<AuditCheckpointTables>()
    .insertInto('audit_checkpoint_history')
    .values([row(good, null, null), row(judged.checkpoint, judged.regression, judged.previous)])
    .execute();
}

test('`agents checkpoint` still prints REGRESSED, naming it, for a judgement this version does not know (a newer node wrote it)', async (t) => {
  const [before, after] = [point(700, 1, 'a'), point(800, 2, 'b')];
  await agentWithHistory('future', 'future-agent', before, { checkpoint: after, regression: 'FORKED', previous: before });
  const shown = await runServiceCli(['agents', 'checkpoint', '--agent', 'future-agent', '--data', data]);
  t.regex(shown.stderr, /^REGRESSED \(received \S+\): FORKED \(a judgement this version of writeback-service does not describe\)$/m);
  t.false(shown.stderr.includes('undefined'));
});

test('`agents checkpoint` prints a regression whose previous checkpoint is not stored, as REGRESSED with "previous: unknown", rather than hide it', async (t) => {
  const [good, rewritten] = [point(900, 1, 'a'), point(100, 2, 'b')];
  await agentWithHistory('no-previous', 'no-previous-agent', good, { checkpoint: rewritten, regression: 'SHORTER', previous: null });
  t.like(await auditCheckpointRegressions(store.db, 'no-previous-agent'), [{ regression: 'SHORTER', previous: null, checkpoint: rewritten }]);
  const shown = await runServiceCli(['agents', 'checkpoint', '--agent', 'no-previous-agent', '--data', data]);
  t.regex(shown.stderr, /^REGRESSED \(received \S+\): .+\n {2}previous: unknown \(not stored\)\n {2}then: {5}\{.*"bytes":100/m);
  t.false(shown.stderr.includes('null'));
});
