import { ServiceError } from '../../errors.js';
import { createAdminToken, listAdminTokens, revokeAdminTokens } from '../../store/admin-tokens.js';
import { withContext } from '../cli-context.js';
import { parseFlags, required } from '../flags.js';

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const USAGE = 'usage: writeback-service admin-token create [--name N] | admin-token list | admin-token revoke --name N';

/**
 * `admin-token create [--name N]`: prints a bearer token for the admin API and the help desk (shown once).
 * `admin-token list`: the tokens' names. `admin-token revoke --name N`: deletes the tokens of that
 * name, which ends the help desk sessions opened with them at once.
 */
export async function adminTokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { name: { type: 'string' } });
  const action = positionals[0];
  if (positionals.length !== 1) throw new ServiceError('USAGE', USAGE);
  if (action === 'create') {
    const name = tokenName(values.name ?? 'admin');
    const token = await withContext(values, ({ store }) => createAdminToken(store.db, name, new Date()));
    process.stdout.write(`${token}\n`);
    return 0;
  }
  if (action === 'list') {
    const tokens = await withContext(values, ({ store }) => listAdminTokens(store.db));
    if (tokens.length === 0) process.stdout.write('no admin tokens\n');
    for (const token of tokens) process.stdout.write(`${token.name}  created ${token.createdAt}\n`);
    return 0;
  }
  if (action === 'revoke') {
    const name = tokenName(required(values.name, 'name', 'admin-token'));
    const count = await withContext(values, ({ store }) => revokeAdminTokens(store.db, name));
    if (count === 0) throw new ServiceError('NOT_FOUND', `no admin token named ${JSON.stringify(name)}; see \`writeback-service admin-token list\``);
    process.stdout.write(`revoked ${count} admin token(s) named ${name}; their help desk sessions ended\n`);
    return 0;
  }
  throw new ServiceError('USAGE', USAGE);
}

/** A token name as `create` accepts it; `revoke` takes the same, so nothing else reaches the query or the output. */
function tokenName(name: string): string {
  if (!NAME.test(name)) throw new ServiceError('USAGE', '--name takes 1 to 64 letters, digits or ._@-');
  return name;
}
