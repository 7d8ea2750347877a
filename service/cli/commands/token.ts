import { parseDuration } from '../../config/duration.js';
import { ServiceError } from '../../errors.js';
import { createRegistrationToken } from '../../store/registration-tokens.js';
import { findTenant } from '../../store/tenants.js';
import { withContext } from '../cli-context.js';
import { parseFlags, required } from '../flags.js';

/** `token create --tenant T [--ttl DURATION]`: prints a one-time registration token. */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { tenant: { type: 'string' }, ttl: { type: 'string' } });
  if (positionals[0] !== 'create' || positionals.length !== 1) throw new ServiceError('USAGE', 'usage: writeback-service token create --tenant T [--ttl DURATION]');
  const tenantRef = required(values.tenant, 'tenant', 'token create');
  const { token, expiresAt } = await withContext(values, async ({ store, config }) => {
    const ttlMs = parseDuration(values.ttl ?? config.registration.tokenTtl, '--ttl');
    const tenant = await findTenant(store.db, tenantRef);
    return createRegistrationToken(store.db, tenant.id, ttlMs, new Date());
  });
  process.stdout.write(`${token}\n`);
  process.stderr.write(`one-time token, valid until ${expiresAt}: give it to \`writeback-agent register --token\`\n`);
  return 0;
}
