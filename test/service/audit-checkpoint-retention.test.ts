import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromJwk, signAuditCheckpoint, type AuditCheckpoint } from '../../protocol/index.js';
import { openMigrated, type DialectName, type ServiceDb } from '../../service/db/open-database.js';
import { insertAgent } from '../../service/store/agents.js';
import {
  auditCheckpointHistory,
  auditCheckpointRegressions,
  latestAuditCheckpoint,
  pruneAuditCheckpointHistory,
  saveAuditCheckpoint,
  type AuditCheckpointTables,
} from '../../service/store/audit-checkpoints.js';
import { createTenant } from '../../service/store/tenants.js';
import { PostgresFixture } from '../fixtures/postgres.js';
import { withTimeout } from '../helpers/agent-environment.js';

// The retention of the audit checkpoint history (docs/service.md, "Audit checkpoints"), on a real
// SQLite file and a real PostgreSQL cluster: what is received before the cutoff goes, except each
// agent's latest row and every regression, and what arrives afterwards is still judged right.

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const day = (n: number): Date => new Date(T0 + n * DAY_MS);
const agentKeys = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
/** A checkpoint the agent signed on day `n`, its log `bytes` long and ending in the line `head`. */
const point = (bytes: number, n: number, head: string): AuditCheckpoint => signAuditCheckpoint({ lastHash: head.repeat(64), bytes, at: day(n).toISOString() }, agentKeys.privateKey);

let root = '';
let pg: PostgresFixture;
let databases = 0;

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'wbs-retention-'));
  pg = await PostgresFixture.start();
});

test.after.always(async () => {
  await pg?.destroy();
  await rm(root, { recursive: true, force: true });
});

/** A new migrated database of `dialect` with one tenant; `open` opens another connection to it, as a second node would. */
async function newDatabase(t: ExecutionContext, dialect: DialectName): Promise<{ store: ServiceDb; open: () => Promise<ServiceDb> }> {
  const name = `retention_${++databases}`;
  const url = dialect === 'postgres' ? await pg.createDatabase(name) : null;
  const open = async (): Promise<ServiceDb> => {
    const store = await openMigrated({ url, sqliteFile: join(root, `${name}.db`), poolSize: 4 });
    t.teardown(() => store.close());
    return store;
  };
  const store = await open();
  const tenant = await createTenant(store.db, 'retention', day(0));
  for (const id of ['busy', 'idle']) {
    const encryption = keyPairFromJwk(generateKeyPair('X25519').jwk);
    await insertAgent(store.db, { id, tenantId: tenant.id, name: id, hostname: 'h', version: '1', signingKey: agentKeys.publicKeyRaw, encryptionKey: encryption.publicKeyRaw }, [], day(0));
  }
  return { store, open };
}

/**
 * `busy` reported through the year, once with a shorter log (day 2); `idle` only on days 0 and 1.
 * Each checkpoint is received on the day it was signed.
 */
async function seed(t: ExecutionContext, db: ServiceDb['db']): Promise<void> {
  const sent: [string, AuditCheckpoint, string][] = [
    ['busy', point(100, 0, 'c'), 'stored'],
    ['busy', point(200, 1, 'd'), 'stored'],
    ['busy', point(150, 2, 'e'), 'regressed'],
    ['busy', point(300, 3, 'f'), 'stored'],
    ['busy', point(400, 50, 'a'), 'stored'],
    ['busy', point(500, 95, 'b'), 'stored'],
    ['idle', point(100, 0, 'c'), 'stored'],
    ['idle', point(200, 1, 'd'), 'stored'],
  ];
  for (const [agent, checkpoint, outcome] of sent) t.like(await saveAuditCheckpoint(db, agent, checkpoint, new Date(checkpoint.at)), { outcome }, `${agent} ${checkpoint.at}`);
}

const bytesHeld = async (db: ServiceDb['db'], agent: string): Promise<number[]> => (await auditCheckpointHistory(db, agent)).map((checkpoint) => checkpoint.bytes);

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`pruning deletes the history received before the cutoff, except each agent's latest row and every regression; the latest good checkpoint stays (${dialect})`, async (t) => {
    const { store } = await newDatabase(t, dialect);
    await seed(t, store.db);
    // Day 100 with 90 days kept: the cutoff is day 10.
    t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(10)), 4);
    t.deepEqual(await bytesHeld(store.db, 'busy'), [150, 400, 500], 'the regression of day 2 and the rows since day 10 stay');
    t.deepEqual(await bytesHeld(store.db, 'idle'), [200], "idle's latest row stays, however old");
    t.deepEqual(await auditCheckpointRegressions(store.db, 'busy'), [{ receivedAt: day(2).toISOString(), regression: 'SHORTER', previous: point(200, 1, 'd'), checkpoint: point(150, 2, 'e') }]);
    t.deepEqual((await latestAuditCheckpoint(store.db, 'busy'))?.checkpoint, point(500, 95, 'b'));
    t.deepEqual((await latestAuditCheckpoint(store.db, 'idle'))?.checkpoint, point(200, 1, 'd'));
    t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(10)), 0, 'a second run finds nothing more');
    // Past every row: still the latest rows and the regression.
    t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(1000)), 1);
    t.deepEqual(await bytesHeld(store.db, 'busy'), [150, 500]);
    t.deepEqual(await bytesHeld(store.db, 'idle'), [200]);
  });

  test(`after pruning, a checkpoint is judged against the kept latest row: a replay of a pruned one is stale, a longer one extends, a shorter or rewritten one regresses (${dialect})`, async (t) => {
    const { store } = await newDatabase(t, dialect);
    await seed(t, store.db);
    t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(1000)), 5);
    // Without idle's latest row, the replay of its first checkpoint would be held as new and stored as the latest good one.
    t.like(await saveAuditCheckpoint(store.db, 'idle', point(100, 0, 'c'), day(101)), { outcome: 'stale' });
    const shorter = await saveAuditCheckpoint(store.db, 'idle', point(150, 101, 'x'), day(101));
    t.like(shorter, { outcome: 'regressed', regression: 'SHORTER' });
    t.deepEqual(shorter.previous, point(200, 1, 'd'));
    t.deepEqual((await latestAuditCheckpoint(store.db, 'idle'))?.checkpoint, point(200, 1, 'd'));
    const longer = await saveAuditCheckpoint(store.db, 'busy', point(600, 101, 'c'), day(101));
    t.like(longer, { outcome: 'stored', regression: null });
    t.deepEqual(longer.previous, point(500, 95, 'b'));
    t.like(await saveAuditCheckpoint(store.db, 'busy', point(600, 102, 'd'), day(102)), { outcome: 'regressed', regression: 'OTHER_HEAD', previous: point(600, 101, 'c') });
    t.deepEqual(
      (await auditCheckpointRegressions(store.db, 'busy')).map((event) => event.regression),
      ['SHORTER', 'OTHER_HEAD'],
    );
  });

  test(`one pruning deletes at most its limit, oldest first; the next runs take the rest (${dialect})`, async (t) => {
    const { store } = await newDatabase(t, dialect);
    await seed(t, store.db);
    t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(10), 2), 2);
    t.deepEqual(await bytesHeld(store.db, 'busy'), [200, 150, 300, 400, 500], "busy's and idle's rows of day 0 went first");
    t.deepEqual(await bytesHeld(store.db, 'idle'), [200]);
    t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(10), 2), 2);
    t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(10), 2), 0);
    t.deepEqual(await bytesHeld(store.db, 'busy'), [150, 400, 500]);
  });
}

// Nodes share a history only on PostgreSQL (the SQLite file belongs to one node).
test(`two nodes pruning the same history at once delete each old row once and keep the latest, while checkpoints keep arriving on PostgreSQL`, async (t) => {
  const dialect = 'postgres';
  const { store, open } = await newDatabase(t, dialect);
  const other = await open();
  // Three weeks of one checkpoint every 10 minutes, as a node would have stored them.
  const rows = Array.from({ length: 3000 }, (_, i) => {
    const checkpoint = point(1000 + i, i / 144, 'a');
    return { agent_id: 'busy', at: checkpoint.at, checkpoint: JSON.stringify(checkpoint), received_at: checkpoint.at, regression: null, previous: null };
  });
  const tables = store.db.withTables<AuditCheckpointTables>();
  for (let i = 0; i < rows.length; i += 500)
    await tables
      .insertInto('audit_checkpoint_history')
      .values(rows.slice(i, i + 500))
      .execute();
  const prune = async (node: ServiceDb): Promise<number> => {
    let total = 0;
    for (let pruned = -1; pruned !== 0; total += pruned) pruned = await pruneAuditCheckpointHistory(node.db, dialect, day(1000), 250);
    return total;
  };
  const arriving = async (): Promise<string[]> => {
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) outcomes.push((await saveAuditCheckpoint(other.db, 'busy', point(10_000 + i, 30 + i, 'bcdefghijk'[i]!), day(30 + i))).outcome);
    return outcomes;
  };
  const [first, second, outcomes] = await Promise.all([prune(store), prune(other), arriving()]);
  t.deepEqual(outcomes, Array(10).fill('stored'), 'each new checkpoint extended the one before it');
  // What arrived after a node's last run goes in the next; every row but the newest is older than the cutoff.
  const [third, fourth] = await Promise.all([prune(store), prune(other)]);
  t.is(first + second + third + fourth, 3009, 'no row counted twice');
  t.deepEqual(await auditCheckpointHistory(store.db, 'busy'), [point(10_009, 39, 'k')]);
  t.like(await saveAuditCheckpoint(store.db, 'busy', point(10_008, 40, 'c'), day(40)), { outcome: 'regressed', regression: 'SHORTER', previous: point(10_009, 39, 'k') });
});

// What lets nodes prune at once without waiting on each other (docs/service.md): the test above
// passes with or without it, as a waiting DELETE still deletes each row once.
test('a pruning on PostgreSQL skips the old rows another node holds locked instead of waiting for them; the next run takes them', async (t) => {
  const dialect = 'postgres';
  const { store } = await newDatabase(t, dialect);
  await seed(t, store.db);
  const tables = store.db.withTables<AuditCheckpointTables>();
  await tables.transaction().execute(async (tx) => {
    // Another node's pruning, between locking its rows and committing their deletion.
    await tx.selectFrom('audit_checkpoint_history').select('at').where('agent_id', '=', 'busy').where('at', '=', day(0).toISOString()).forUpdate().execute();
    t.is(await withTimeout(pruneAuditCheckpointHistory(store.db, dialect, day(10)), 10_000, 'a pruning beside a locked row'), 3);
  });
  t.is(await pruneAuditCheckpointHistory(store.db, dialect, day(10)), 1);
  t.deepEqual(await bytesHeld(store.db, 'busy'), [150, 400, 500]);
});
