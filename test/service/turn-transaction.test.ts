import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../../service/db/database-schema.js';
import { openMigrated, type ServiceDb } from '../../service/db/open-database.js';
import { joinTurn } from '../../service/store/turn-transaction.js';

// The transaction of an event-loop turn (service/store/turn-transaction.ts) on a real SQLite file:
// what joins in one turn commits once, callers hear of it only after the commit, and one failing
// write does not fail the others.

const NOW = '2026-12-05T02:00:00.000Z';

async function openStore(t: ExecutionContext): Promise<ServiceDb> {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-turn-'));
  const store = await openMigrated({ url: null, sqliteFile: join(dir, 'service.db') });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}

/** A write of one tenant row; resolves with the transaction it ran in, after the commit, or rejects when even alone it fails. */
function tenantWrite(store: ServiceDb, id: string, events: string[]): Promise<Kysely<ServiceDatabase> | 'alone'> {
  const insert = (db: Kysely<ServiceDatabase>) => db.insertInto('tenants').values({ id, name: id, created_at: NOW }).execute();
  return new Promise((resolve, reject) => {
    let used: Kysely<ServiceDatabase> | null = null;
    joinTurn(store, {
      write: async (tx) => {
        used = tx;
        events.push(`write ${id}`);
        await insert(tx);
      },
      committed: () => {
        events.push(`committed ${id}`);
        resolve(used!);
      },
      alone: () =>
        insert(store.db).then(
          () => {
            events.push(`alone ${id}`);
            resolve('alone');
          },
          (error: unknown) => {
            events.push(`failed ${id}`);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        ),
    });
  });
}

const tenantIds = async (store: ServiceDb): Promise<string[]> => (await store.db.selectFrom('tenants').select('id').orderBy('id').execute()).map((row) => row.id);

test('the writes of one turn share one transaction, in the order they joined, and settle after its commit', async (t) => {
  const store = await openStore(t);
  const events: string[] = [];
  const turn = await Promise.all(['a', 'b', 'c'].map((id) => tenantWrite(store, id, events)));
  t.true(turn.every((tx) => tx === turn[0]) && turn[0] !== 'alone');
  t.deepEqual(events, ['write a', 'write b', 'write c', 'committed a', 'committed b', 'committed c']);
  // A later turn gets a transaction of its own.
  t.not(await tenantWrite(store, 'd', events), turn[0]);
  t.deepEqual(await tenantIds(store), ['a', 'b', 'c', 'd']);
});

test('a write that fails rolls back the turn: the others are written alone, the failing one’s caller gets the error', async (t) => {
  const store = await openStore(t);
  await store.db.insertInto('tenants').values({ id: 'taken', name: 'taken', created_at: NOW }).execute();
  const events: string[] = [];
  const [a, duplicate, b] = await Promise.allSettled([tenantWrite(store, 'a', events), tenantWrite(store, 'taken', events), tenantWrite(store, 'b', events)]);
  t.deepEqual(a, { status: 'fulfilled', value: 'alone' });
  t.is(duplicate.status, 'rejected');
  t.deepEqual(b, { status: 'fulfilled', value: 'alone' });
  t.deepEqual(events, ['write a', 'write taken', 'alone a', 'failed taken', 'alone b']);
  t.deepEqual(await tenantIds(store), ['a', 'b', 'taken']);
});

test('a write that joins while a turn’s transaction runs goes into the next one', async (t) => {
  const store = await openStore(t);
  const events: string[] = [];
  const later: { write?: Promise<unknown> } = {};
  const first = new Promise<void>((resolve) =>
    joinTurn(store, {
      write: async (tx) => {
        later.write = tenantWrite(store, 'late', events);
        await tx.insertInto('tenants').values({ id: 'early', name: 'early', created_at: NOW }).execute();
      },
      committed: () => resolve(),
      alone: () => Promise.resolve(resolve()),
    }),
  );
  await first;
  t.deepEqual(events, []);
  t.not(await later.write, 'alone');
  t.deepEqual(events, ['write late', 'committed late']);
  t.deepEqual(await tenantIds(store), ['early', 'late']);
});
