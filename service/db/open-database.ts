import { chmodSync, closeSync, openSync } from 'node:fs';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { ServiceError } from '../errors.js';
import type { ServiceDatabase } from './database-schema.js';
import { migrateToLatest } from './migrations.js';
import { nodeSqliteDatabase } from './node-sqlite-adapter.js';

export type DialectName = 'sqlite' | 'postgres';

/** One open database: the Kysely instance and which dialect is behind it (a few queries differ). */
export interface ServiceDb {
  db: Kysely<ServiceDatabase>;
  dialect: DialectName;
  /** Where it is, without credentials (for messages). */
  location: string;
  close(): Promise<void>;
}

/** SQLite waits this long for another process's write lock (the CLI and `serve` share the file). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export interface DatabaseOptions {
  url: string | null;
  sqliteFile: string;
  poolSize?: number;
  sqliteSynchronous?: 'full' | 'normal';
}

export async function openDatabase(options: DatabaseOptions): Promise<ServiceDb> {
  if (options.url === null) return openSqlite(options.sqliteFile, options.sqliteSynchronous ?? 'full');
  return openPostgres(options.url, options.poolSize ?? 10);
}

/** `sqliteFile` for a database held in memory only (service-sim, tests): gone when closed. */
export const IN_MEMORY_SQLITE = ':memory:';

async function openSqlite(file: string, synchronous: 'full' | 'normal'): Promise<ServiceDb> {
  let database;
  try {
    if (file !== IN_MEMORY_SQLITE) {
      // The file holds sealed secrets and agents' keys: readable by the service's user only. SQLite
      // gives its -wal and -shm files the same mode.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
    }
    database = nodeSqliteDatabase(file);
  } catch (error) {
    throw new ServiceError('DATABASE', `cannot open ${file} (${error instanceof Error ? error.message : 'error'}); check the data directory's permissions`, { cause: error });
  }
  const db = new Kysely<ServiceDatabase>({ dialect: new SqliteDialect({ database }) });
  // WAL lets readers and one writer work at once. FULL (the default) syncs every commit, so a stored
  // result is on disk before its resultAck; NORMAL syncs at checkpoints only, safe from a crash of
  // the process but not from a power cut (docs/service.md). Foreign keys are off by default in SQLite.
  await sql`pragma journal_mode = wal`.execute(db);
  await sql.raw(`pragma synchronous = ${synchronous === 'normal' ? 'normal' : 'full'}`).execute(db);
  await sql.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(db);
  await sql`pragma foreign_keys = on`.execute(db);
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

async function openPostgres(url: string, poolSize: number): Promise<ServiceDb> {
  // Checked here, where --db and database.url both arrive: another scheme would reach pg as a host name.
  if (!/^postgres(ql)?:\/\//.test(url)) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? 'no scheme';
    throw new ServiceError('CONFIG', `the database URL must be postgres://USER@HOST:PORT/DATABASE (got ${scheme}); for the embedded SQLite database, give no --db and leave database.url null`);
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's error (the server restarting) must not crash the node; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<ServiceDatabase>({ dialect: new PostgresDialect({ pool }) });
  const location = redactUrl(url);
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new ServiceError('DATABASE', `cannot reach PostgreSQL at ${location} (${error instanceof Error ? error.message : 'error'}); check database.url and that the server runs`, { cause: error });
  }
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Opens and migrates: what every command but `init` does before touching the data. */
export async function openMigrated(options: DatabaseOptions): Promise<ServiceDb> {
  const handle = await openDatabase(options);
  try {
    await migrateToLatest(handle.db as Kysely<unknown>, { location: handle.location });
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}
