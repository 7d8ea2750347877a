import { ServiceError } from '../../errors.js';
import { createTenant } from '../../store/tenants.js';
import { withContext } from '../cli-context.js';
import { parseFlags } from '../flags.js';

/** `tenant create NAME`: prints the new tenant's id. */
export async function tenantCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {});
  const [action, name, extra] = positionals;
  if (action !== 'create' || name === undefined || extra !== undefined) throw new ServiceError('USAGE', 'usage: writeback-service tenant create NAME');
  const tenant = await withContext(values, ({ store }) => createTenant(store.db, name, new Date()));
  process.stdout.write(`${tenant.id}\n`);
  return 0;
}
