import { ServiceError } from '../../errors.js';
import { createAdminToken } from '../../store/admin-tokens.js';
import { withContext } from '../cli-context.js';
import { parseFlags } from '../flags.js';

/** `admin-token create [--name N]`: prints a bearer token for the admin API (shown once). */
export async function adminTokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { name: { type: 'string' } });
  if (positionals[0] !== 'create' || positionals.length !== 1) throw new ServiceError('USAGE', 'usage: writeback-service admin-token create [--name N]');
  const name = values.name ?? 'admin';
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new ServiceError('USAGE', '--name takes 1 to 64 letters, digits or ._@-');
  const token = await withContext(values, ({ store }) => createAdminToken(store.db, name, new Date()));
  process.stdout.write(`${token}\n`);
  return 0;
}
