import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { openMigrated, type DialectName, type ServiceDb } from '../../service/db/open-database.js';
import { PostgresFixture } from '../fixtures/postgres.js';

/**
 * Migrated service databases for tests that run on both dialects: a new SQLite file each, or a new
 * database on one PostgreSQL cluster started on first use. Each store closes (and its file goes)
 * when its test ends; `destroy()` stops the cluster, from the file's `test.after.always`.
 */
export class DialectStores {
  #pg: PostgresFixture | null = null;
  #databases = 0;

  constructor(private readonly prefix: string) {}

  async open(t: ExecutionContext, dialect: DialectName): Promise<ServiceDb> {
    let url: string | null = null;
    let sqliteFile = '';
    if (dialect === 'postgres') {
      this.#pg ??= await PostgresFixture.start();
      url = await this.#pg.createDatabase(`${this.prefix}${++this.#databases}`);
    } else {
      const dir = await mkdtemp(join(tmpdir(), `wbs-${this.prefix}-`));
      t.teardown(() => rm(dir, { recursive: true, force: true }));
      sqliteFile = join(dir, 'service.db');
    }
    const store = await openMigrated({ url, sqliteFile });
    t.teardown(() => store.close());
    return store;
  }

  async destroy(): Promise<void> {
    await this.#pg?.destroy();
  }
}
