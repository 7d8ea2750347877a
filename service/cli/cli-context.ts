import { DataDir } from '../config/data-dir.js';
import type { ServiceConfig } from '../config/service-config.js';
import { openMigrated, type ServiceDb } from '../db/open-database.js';

/** What a data command works on: the data directory, its configuration and the open database. */
export interface CliContext {
  dataDir: DataDir;
  config: ServiceConfig;
  store: ServiceDb;
}

/** Opens the data directory named by --data / WRITEBACK_SERVICE_DATA and its database (--db overrides the configured one). */
export async function openCliContext(flags: { data?: string | undefined; db?: string | undefined }): Promise<CliContext> {
  const dataDir = DataDir.from(flags.data);
  const config = dataDir.readConfig();
  if (flags.db !== undefined) config.database.url = flags.db;
  const store = await openMigrated({ url: config.database.url, sqliteFile: dataDir.sqliteFile, poolSize: 2, sqliteSynchronous: config.database.sqliteSynchronous });
  return { dataDir, config, store };
}

/** Runs `body` with an open context and always closes the database. */
export async function withContext<T>(flags: { data?: string | undefined; db?: string | undefined }, body: (context: CliContext) => Promise<T>): Promise<T> {
  const context = await openCliContext(flags);
  try {
    return await body(context);
  } finally {
    await context.store.close();
  }
}
