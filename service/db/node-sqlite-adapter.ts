import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Node's built-in `node:sqlite` behind the database shape Kysely's SqliteDialect expects (the
 * better-sqlite3 one), so the embedded database needs no native module to compile.
 */
export function nodeSqliteDatabase(file: string): SqliteDatabase {
  const db = new DatabaseSync(file);
  // Kysely prepares every query anew; the service runs the same few dozen statements over and
  // over, so compiled ones are kept (oldest dropped first past the limit).
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare: (sql: string): SqliteStatement => {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = adaptStatement(db.prepare(sql));
        cache.set(sql, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

const STATEMENT_CACHE_SIZE = 256;

function adaptStatement(statement: StatementSync): SqliteStatement {
  const values = (parameters: ReadonlyArray<unknown>): SQLInputValue[] => parameters.map(toSqlValue);
  return {
    // A statement that yields columns (SELECT, or anything with RETURNING) is read with all().
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...values(parameters)),
    run: (parameters) => {
      const { changes, lastInsertRowid } = statement.run(...values(parameters));
      return { changes, lastInsertRowid };
    },
    iterate: (parameters) => statement.iterate(...values(parameters)),
  };
}

function toSqlValue(value: unknown): SQLInputValue {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || value instanceof Uint8Array) return value;
  throw new TypeError(`cannot bind a ${typeof value} to an SQLite parameter`);
}
