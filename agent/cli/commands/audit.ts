import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { verifyAuditLog } from '../../audit/verify-audit-log.js';
import { SetupError } from '../../errors.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/** `audit verify --config F`: checks the audit log's hash chain. Exit 0 intact, 1 broken. */
export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, CommandSpecs.audit.options, 'audit');
  if (positionals[0] !== 'verify') throw new SetupError('CONFIG', 'audit: the only subcommand is `audit verify --config FILE`');
  const file = values.file ?? (await loadConfig(configPathFrom(values.config))).audit.file;
  const verdict = await verifyAuditLog(file);
  if (verdict.ok) {
    process.stdout.write(`audit log intact: ${verdict.lines} lines, last hash ${verdict.lastHash} (${file})\n`);
    return 0;
  }
  process.stdout.write(`audit log BROKEN at line ${verdict.line}: ${verdict.reason} (${file})\n`);
  return 1;
}
