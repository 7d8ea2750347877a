import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { checkpointPath, checkpointSignatureValid, readCheckpoint } from '../../audit/audit-checkpoint.js';
import { verifyAuditLog } from '../../audit/verify-audit-log.js';
import { SetupError } from '../../errors.js';
import { loadAgentKeys } from '../../runtime/agent-keys.js';
import { openSecretStore } from '../../secrets/open-secret-store.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/**
 * `audit verify --config F`: checks the audit log's hash chain and, against the agent's latest
 * signed checkpoint, that it was neither truncated nor rebuilt. Exit 0 intact, 1 broken or not
 * provably whole.
 */
export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, CommandSpecs.audit.options, 'audit');
  if (positionals[0] !== 'verify') throw new SetupError('CONFIG', 'audit: the only subcommand is `audit verify --config FILE`');
  const config = await loadConfig(configPathFrom(values.config));
  const file = values.file ?? config.audit.file;
  const checkpoint = await readCheckpoint(file);
  if (checkpoint !== null) {
    const keys = await loadAgentKeys(await openSecretStore(config.secretStore, { stateDir: config.stateDir }));
    if (!checkpointSignatureValid(checkpoint, keys.signing.publicKey)) {
      process.stdout.write(`audit log BROKEN: the checkpoint ${checkpointPath(file)} is not signed by this agent's key\n`);
      return 1;
    }
  }
  const verdict = await verifyAuditLog(file, checkpoint);
  if (!verdict.ok) {
    process.stdout.write(`audit log BROKEN at line ${verdict.line}: ${verdict.reason} (${file})\n`);
    return 1;
  }
  if (checkpoint === null && verdict.lines > 0) {
    process.stdout.write(`audit log chain intact (${verdict.lines} lines), but there is no signed checkpoint (${checkpointPath(file)}): a truncated tail cannot be ruled out\n`);
    return 1;
  }
  process.stdout.write(`audit log intact: ${verdict.lines} lines, last hash ${verdict.lastHash}${checkpoint === null ? '' : `, signed checkpoint of ${checkpoint.at} reached`} (${file})\n`);
  return 0;
}
