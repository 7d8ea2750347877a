import { DataDir } from '../../config/data-dir.js';
import { defaultConfig } from '../../config/service-config.js';
import { openDatabase } from '../../db/open-database.js';
import { migrateToLatest } from '../../db/migrations.js';
import { ServiceError } from '../../errors.js';
import { createSigningKey } from '../../keys/signing-keys.js';
import { parseFlags } from '../flags.js';
import type { Kysely } from 'kysely';

/** `init --data DIR [--db URL] [--public-url URL]`: directory (0700), configuration, first signing key, schema. Idempotent. */
export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { 'public-url': { type: 'string' } });
  if (positionals.length > 0) throw new ServiceError('USAGE', `unexpected argument ${JSON.stringify(positionals[0])}`);
  const dataDir = DataDir.from(values.data);
  if (dataDir.initialized) {
    const config = dataDir.readConfig();
    // A schema that is behind is brought up to date; nothing else is touched.
    const store = await openDatabase({ url: values.db ?? config.database.url, sqliteFile: dataDir.sqliteFile });
    try {
      const applied = await migrateToLatest(store.db as Kysely<unknown>, { location: store.location });
      process.stdout.write(applied.length === 0 ? `${dataDir.path} is initialized already; nothing changed\n` : `${dataDir.path} is initialized already; applied migrations ${applied.join(', ')}\n`);
    } finally {
      await store.close();
    }
    return 0;
  }
  const config = defaultConfig();
  if (values.db !== undefined) config.database.url = values.db;
  if (values['public-url'] !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(values['public-url'])) throw new ServiceError('USAGE', '--public-url must be an http(s):// URL');
    config.publicUrl = values['public-url'];
  }
  dataDir.create();
  const store = await openDatabase({ url: config.database.url, sqliteFile: dataDir.sqliteFile });
  try {
    await migrateToLatest(store.db as Kysely<unknown>, { location: store.location });
    const existing = await store.db.selectFrom('signing_keys').select('kid').executeTakeFirst();
    // A second data directory on the same PostgreSQL database joins the service: its keys are
    // copied from the first node, not created again.
    const key = existing === undefined ? await createSigningKey(store.db, dataDir, new Date()) : null;
    dataDir.writeConfig(config);
    process.stdout.write(
      `initialized ${dataDir.path} (database: ${store.location}${key === null ? `; signing keys exist in the database: copy keys/*.jwk from the first node into ${dataDir.keysDir}` : `; signing key ${key.kid}`})\n`,
    );
  } finally {
    await store.close();
  }
  return 0;
}
