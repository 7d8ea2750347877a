import { ServiceError } from '../../errors.js';
import { rotateKeys } from '../../keys/key-rotation.js';
import { withContext } from '../cli-context.js';
import { parseFlags } from '../flags.js';

/** `keys rotate`: adds a signing key, keeps the older ones valid until every agent trusts the new one. */
export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {});
  if (positionals[0] !== 'rotate' || positionals.length !== 1) throw new ServiceError('USAGE', 'usage: writeback-service keys rotate');
  const rotation = await withContext(values, ({ store, dataDir }) => rotateKeys(store.db, dataDir, new Date()));
  process.stdout.write(`added signing key ${rotation.added.kid}\n`);
  if (rotation.retired.length > 0) process.stdout.write(`retired ${rotation.retired.join(', ')} (every agent trusts the new key)\n`);
  if (rotation.waiting > 0)
    process.stdout.write(
      `${rotation.waiting} agent(s) do not trust the new key yet: connected version-2 agents are told it within a heartbeat, the others at their next session; older keys sign for them until then\n`,
    );
  process.stdout.write('with several nodes, copy keys/*.jwk to every node of this service (each picks the key up at its next heartbeat)\n');
  return 0;
}
