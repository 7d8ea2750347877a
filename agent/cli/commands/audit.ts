import { readFile } from 'node:fs/promises';
import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { checkpointPath, checkpointSignatureValid, parseCheckpoint, readCheckpoint, type AuditCheckpoint } from '../../audit/audit-checkpoint.js';
import { verifyAuditLog } from '../../audit/verify-audit-log.js';
import { SetupError } from '../../errors.js';
import { loadAgentKeys } from '../../runtime/agent-keys.js';
import { openSecretStore } from '../../secrets/open-secret-store.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/**
 * `audit verify --config F [--checkpoint FILE]`: checks the audit log's hash chain and, against a
 * signed checkpoint, that it was neither truncated nor rebuilt. The checkpoint is the one beside
 * the log, or with --checkpoint one held off this host (`writeback-service agents checkpoint`),
 * which whoever rewrote the log here could not change. Exit 0 intact, 1 broken or not provably whole.
 */
export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, CommandSpecs.audit.options, 'audit');
  if (positionals[0] !== 'verify') throw new SetupError('CONFIG', 'audit: the only subcommand is `audit verify --config FILE`');
  const config = await loadConfig(configPathFrom(values.config));
  const file = values.file ?? config.audit.file;
  const source = values.checkpoint ?? checkpointPath(file);
  const checkpoint = values.checkpoint === undefined ? await readCheckpoint(file) : await readHeldCheckpoint(values.checkpoint);
  if (checkpoint !== null) {
    // The agent's own key: a key replaced on this host does not verify a checkpoint signed before.
    const keys = await loadAgentKeys(await openSecretStore(config.secretStore, { stateDir: config.stateDir }));
    if (!checkpointSignatureValid(checkpoint, keys.signing.publicKey)) {
      process.stdout.write(`audit log BROKEN: the checkpoint ${source} is not signed by this agent's key\n`);
      return 1;
    }
  }
  const verdict = await verifyAuditLog(file, checkpoint);
  if (!verdict.ok) {
    process.stdout.write(`audit log BROKEN at line ${verdict.line}: ${verdict.reason} (${file})\n`);
    return 1;
  }
  if (checkpoint === null && verdict.lines > 0) {
    process.stdout.write(`audit log chain intact (${verdict.lines} lines), but there is no signed checkpoint (${source}): a truncated tail cannot be ruled out\n`);
    return 1;
  }
  const reached = checkpoint === null ? '' : `, signed checkpoint of ${checkpoint.at} reached${values.checkpoint === undefined ? '' : ` (${source}, held off this host)`}`;
  process.stdout.write(`audit log intact: ${verdict.lines} lines, last hash ${verdict.lastHash}${reached} (${file})\n`);
  return 0;
}

async function readHeldCheckpoint(path: string): Promise<AuditCheckpoint> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SetupError(
      'CONFIG',
      `cannot read the checkpoint ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): save the output of \`writeback-service agents checkpoint --agent ID\` there`,
    );
  }
  try {
    return parseCheckpoint(text, path);
  } catch (error) {
    throw new SetupError('CONFIG', `${error instanceof Error ? error.message : String(error)}: save the output of \`writeback-service agents checkpoint --agent ID\` there`);
  }
}
