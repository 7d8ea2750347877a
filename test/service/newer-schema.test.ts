import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Migration } from 'kysely';
import { DataDir } from '../../service/config/data-dir.js';
import { migrateToLatest, SCHEMA_MIGRATIONS } from '../../service/db/migrations.js';
import { openDatabase, type DialectName, type ServiceDb } from '../../service/db/open-database.js';
import { isServiceError } from '../../service/errors.js';
import { PostgresFixture } from '../fixtures/postgres.js';
import { runServiceCli } from '../helpers/service-process.js';

// An older writeback-service on a database a newer one migrated (docs/service.md, "Upgrading"), on a
// real SQLite file and a real PostgreSQL cluster: refused before it reads or writes anything, with one
// line naming the migrations it does not know and the way back, exit 2 from every command.

let root = '';
let pg: PostgresFixture;
let databases = 0;

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'wbs-newer-schema-'));
  pg = await PostgresFixture.start();
});

test.after.always(async () => {
  await pg?.destroy();
  await rm(root, { recursive: true, force: true });
});

const names = Object.keys(SCHEMA_MIGRATIONS).sort();
/** The list of a version two releases back: it lacks this version's last two migrations. */
const OLDER = Object.fromEntries(names.slice(0, -2).map((name) => [name, SCHEMA_MIGRATIONS[name]!]));
const LACKING = names.slice(-2);

/** A migration of a release after this one, which adds a table (as a newer version would). */
const FUTURE_NAME = '9999-from-a-newer-release';
const FUTURE: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('from_a_newer_release')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .execute();
  },
};

const REFUSAL =
  /was migrated by a newer writeback-service \((migration|migrations) (.+) unknown to this version\); run that newer version on this node too, or restore the backup taken before the upgrade \(see docs\/service\.md, "Backups"\)$/;

async function emptyDatabase(dialect: DialectName): Promise<ServiceDb> {
  const name = `newer_${++databases}`;
  return openDatabase({ url: dialect === 'postgres' ? await pg.createDatabase(name) : null, sqliteFile: join(root, `${name}.db`) });
}

async function executedMigrations(store: ServiceDb): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
  return rows.map((row) => row.name);
}

async function refusesTheShorterList(t: ExecutionContext, dialect: DialectName): Promise<void> {
  const store = await emptyDatabase(dialect);
  try {
    t.deepEqual(await migrateToLatest(store.db as Kysely<unknown>, { location: store.location }), names);
    const error = await t.throwsAsync(migrateToLatest(store.db as Kysely<unknown>, { location: store.location, migrations: OLDER }));
    t.true(isServiceError(error) && error.code === 'CONFIG', String(error));
    t.is(error?.message.split('\n').length, 1);
    t.true(error?.message.startsWith(`the database ${store.location} was migrated`), error?.message);
    t.is(REFUSAL.exec(error?.message ?? '')?.[2], LACKING.join(', '));
    // Fail closed without a trace: the older list changed nothing, and the newer one still opens it.
    t.deepEqual(await executedMigrations(store), names);
    t.deepEqual(await migrateToLatest(store.db as Kysely<unknown>), []);
  } finally {
    await store.close();
  }
}

test('SQLite: a database migrated by the full list is refused by an older, shorter one, naming what it lacks', (t) => refusesTheShorterList(t, 'sqlite'));
test('PostgreSQL: a database migrated by the full list is refused by an older, shorter one, naming what it lacks', (t) => refusesTheShorterList(t, 'postgres'));

/** Plays the newer release on the database behind `data`: this version's migrations plus one more. */
async function migrateAsNewerRelease(url: string | null, data: string): Promise<void> {
  const store = await openDatabase({ url, sqliteFile: DataDir.from(data).sqliteFile });
  try {
    await migrateToLatest(store.db as Kysely<unknown>, { migrations: { ...SCHEMA_MIGRATIONS, [FUTURE_NAME]: FUTURE } });
  } finally {
    await store.close();
  }
}

async function cliRefuses(t: ExecutionContext, url: string | null): Promise<void> {
  const data = join(root, `cli-${++databases}`);
  const init = await runServiceCli(['init', '--data', data, ...(url === null ? [] : ['--db', url])]);
  t.is(init.code, 0, init.stderr);
  await migrateAsNewerRelease(url, data);
  for (const command of [['agents', 'list'], ['serve', '--listen', '127.0.0.1:0'], ['init']]) {
    const run = await runServiceCli([...command, '--data', data]);
    t.is(run.code, 2, `${command.join(' ')}: ${run.stderr}`);
    t.is(run.stderr.trim().split('\n').length, 1, run.stderr);
    t.regex(run.stderr, new RegExp(`^writeback-service ${command[0]!}: the database `));
    t.is(REFUSAL.exec(run.stderr.trim())?.[2], FUTURE_NAME, run.stderr);
    t.notRegex(run.stderr, /internal error|listening on/);
  }
}

test('SQLite: the real CLI refuses a data directory a newer release migrated, from agents list, serve and init, exit 2', (t) => cliRefuses(t, null));
test('PostgreSQL: the real CLI refuses a database a newer release migrated, from agents list, serve and init, exit 2', async (t) => {
  const url = await pg.createDatabase(`newer_${++databases}`);
  await cliRefuses(t, url);
});
