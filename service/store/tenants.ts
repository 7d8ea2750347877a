import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { printable } from '../../protocol/index.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import { PreparedQuery } from '../db/prepared-query.js';
import { ServiceError } from '../errors.js';

export interface Tenant {
  id: string;
  name: string;
}

/** Read on every admin API request that names a tenant. */
const TENANT_BY_ID_OR_NAME = new PreparedQuery<{ idOrName: string }, Tenant>((db, param) =>
  db
    .selectFrom('tenants')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('id', '=', param('idOrName')), eb('name', '=', param('idOrName'))])),
);

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export async function createTenant(db: Kysely<ServiceDatabase>, name: string, now: Date): Promise<Tenant> {
  if (!NAME.test(name)) throw new ServiceError('USAGE', `tenant name ${JSON.stringify(printable(name))}: use 1 to 63 letters, digits, ".", "_" or "-"`);
  const existing = await db.selectFrom('tenants').select('id').where('name', '=', name).executeTakeFirst();
  if (existing !== undefined) throw new ServiceError('USAGE', `a tenant named ${name} exists already (id ${existing.id})`);
  const tenant = { id: randomUUID(), name };
  await db
    .insertInto('tenants')
    .values({ ...tenant, created_at: now.toISOString() })
    .execute();
  return tenant;
}

/** A tenant by id or by name; NOT_FOUND naming the fix otherwise (the argument echoed printable: it came from a command line or an API path). */
export async function findTenant(db: Kysely<ServiceDatabase>, idOrName: string): Promise<Tenant> {
  const row = (await TENANT_BY_ID_OR_NAME.execute(db, { idOrName })).rows[0];
  if (row === undefined) throw new ServiceError('NOT_FOUND', `no tenant ${JSON.stringify(printable(idOrName))}; create it with \`writeback-service tenant create NAME\``);
  return row;
}
