import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { resolveSecretRef } from '../../secrets/resolve-secret-ref.js';
import type { DirectoryConfig } from '../../directory/directory-config.js';
import { createDriver } from '../../directory/create-driver.js';
import type { PermissionCheck, PermissionReport, Target } from '../../directory/driver.js';
import { permissionReportJson } from '../../directory/permission-report-json.js';
import { SetupError, isAgentError } from '../../errors.js';
import { closeLogger, createLogger } from '../../logging/create-logger.js';
import { openSecretStore } from '../../secrets/open-secret-store.js';
import { TARGET_KINDS, type TargetKind } from '../../../protocol/codes.js';
import { outOfScopeReason } from '../../policy/scope.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/** Exit statuses of AGENT-INTERFACE.md. */
export const CheckPermissionsExit = {
  allRequiredPass: 0,
  requiredMissing: 1,
  couldNotCheck: 2,
} as const;

/** Checks whose MISSING means the report could not be made at all (credentials, connection), not a missing right. */
const COULD_NOT_CHECK = new Set(['bind', 'completed', 'agentToken']);

/** How `--user X` names the user when `--by` is not given: a DN, a UPN (AD), a sAMAccountName (AD) or a uid (OpenLDAP). */
export function userTarget(value: string, kind: DirectoryConfig['kind'], by?: string): Target {
  if (by !== undefined) {
    if (!(TARGET_KINDS as readonly string[]).includes(by)) throw new SetupError('CONFIG', `--by ${JSON.stringify(by)} is not one of ${TARGET_KINDS.join(', ')}`);
    return { by: by as TargetKind, value };
  }
  if (/^[A-Za-z][\w-]*=.+,.+=/.test(value)) return { by: 'dn', value };
  if (kind === 'openldap') return { by: 'uid', value };
  return { by: value.includes('@') ? 'userPrincipalName' : 'sAMAccountName', value };
}

/** The exit status for a set of reports: 2 when one could not be made, 1 when a required check is MISSING, else 0. */
export function exitStatus(reports: readonly PermissionReport[]): number {
  const missing = reports.flatMap((report) => report.checks.filter((check) => check.status === 'MISSING' && check.required));
  if (missing.some((check) => COULD_NOT_CHECK.has(check.name))) return CheckPermissionsExit.couldNotCheck;
  return missing.length > 0 ? CheckPermissionsExit.requiredMissing : CheckPermissionsExit.allRequiredPass;
}

/** The user asked about is one the agent refuses whatever its rights (scope is checked before any write): exit 1, no ACL proposed. */
export function outOfScopeCheck(dn: string, reason: string): PermissionCheck {
  const check: PermissionCheck = {
    name: 'userInScope',
    status: 'MISSING',
    required: true,
    detail: `${dn}: ${reason}, so the agent refuses every command for this user whatever the directory allows (no ACL change would help); the other checks are for the account in general`,
  };
  if (reason.includes('scope.include')) check.fix = 'only if the agent should serve this user: add its subtree to scope.include in the config, then run check-permissions again';
  return check;
}

/** One line per check (status, name, what was found), the fix indented under it; a fix shared by several checks is printed once. */
export function reportText(report: PermissionReport): string {
  const lines = [`directory ${report.directory}`];
  const printed = new Map<string, string>();
  const line = (check: PermissionCheck): void => {
    lines.push(`${check.status.padEnd(7)} ${check.name}: ${check.detail}${check.required ? '' : ' (optional)'}`);
    if (check.fix !== undefined && check.status !== 'OK') {
      const earlier = printed.get(check.fix);
      if (earlier !== undefined) {
        lines.push(`        fix: the same as for ${earlier} above`);
        return;
      }
      printed.set(check.fix, check.name);
      const [first = '', ...rest] = check.fix.split('\n');
      lines.push(`        fix: ${first}`, ...rest.map((text) => `             ${text}`));
    }
  };
  report.checks.forEach(line);
  const missing = report.checks.filter((check) => check.status === 'MISSING' && check.required).map((check) => check.name);
  const warned = report.checks.filter((check) => check.status === 'WARN').length;
  lines.push(missing.length === 0 ? `all required checks pass${warned > 0 ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}` : `required checks missing: ${missing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `check-permissions --config F [--directory ID] [--user X] [--by KIND] [--json]`: read-only checks
 * of the agent's directory account. Exit 0 all required pass, 1 something required is missing,
 * 2 could not check (configuration, connection, credentials, unknown user).
 */
export async function checkPermissionsCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs['check-permissions'].options, 'check-permissions');
  const config = await loadConfig(configPathFrom(values.config));
  const chosen = values.directory === undefined ? config.directories : config.directories.filter((d) => d.id === values.directory);
  if (chosen.length === 0) throw new SetupError('CONFIG', `no directory with id ${JSON.stringify(values.directory)} in ${config.source}`);
  const logger = createLogger({ level: 'error', dir: null, maxFileBytes: 0, maxFiles: 0, console: true });
  // Only looked into, never created: checking must leave a fresh machine without state or secret files.
  const store = chosen.some((d) => 'secret' in d.bindPassword) ? await openSecretStore(config.secretStore, { stateDir: config.stateDir, readOnly: true }) : null;
  const reports: PermissionReport[] = [];
  try {
    for (const directory of chosen) {
      const bindPassword = await resolveSecretRef(directory.bindPassword, store, { path: `directories[${config.directories.indexOf(directory)}].bindPassword` });
      logger.redactor.track(bindPassword);
      const driver = createDriver(directory, { bindPassword, logger, now: () => new Date() });
      try {
        const user = values.user === undefined ? undefined : await driver.resolveUser(userTarget(values.user, directory.kind, values.by));
        const outside = user === undefined ? null : outOfScopeReason(user.dn, directory.scope);
        // Rights on a user the agent refuses anyway are beside the point: no wider ACL is proposed for one.
        const report = await driver.checkPermissions(user === undefined || outside !== null ? {} : { user });
        if (user !== undefined && outside !== null) report.checks.unshift(outOfScopeCheck(user.dn, outside));
        reports.push(report);
      } catch (error) {
        throw new SetupError('DIRECTORY', `directory ${directory.id}: ${isAgentError(error) ? error.message : 'could not check'}`, { cause: error });
      } finally {
        await driver.close().catch(() => undefined);
      }
    }
  } finally {
    await closeLogger(logger);
  }
  if (values.json) {
    const details = reports.map(permissionReportJson);
    process.stdout.write(`${JSON.stringify(details.length === 1 ? details[0] : details, null, 2)}\n`);
  } else {
    process.stdout.write(reports.map(reportText).join('\n'));
  }
  return exitStatus(reports);
}
