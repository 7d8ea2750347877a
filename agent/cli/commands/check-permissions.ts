import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { resolveSecretRef } from '../../config/resolve-secret-ref.js';
import { createDriver } from '../../directory/create-driver.js';
import type { PermissionReport } from '../../directory/driver.js';
import { SetupError, isAgentError } from '../../errors.js';
import { createLogger } from '../../logging/create-logger.js';
import { openSecretStore } from '../../secrets/open-secret-store.js';
import { parseFlags } from '../args.js';

/**
 * `check-permissions --config F [--directory ID] [--user X] [--json]`: read-only checks of the
 * agent's directory account. Exit 0 all required pass, 1 something required is missing, 2 could not check.
 */
export async function checkPermissionsCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    { config: { type: 'string' }, directory: { type: 'string' }, user: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' } },
    'check-permissions',
  );
  const config = await loadConfig(configPathFrom(values.config));
  const chosen = values.directory === undefined ? config.directories : config.directories.filter((d) => d.id === values.directory);
  if (chosen.length === 0) throw new SetupError('CONFIG', `check-permissions: no directory with id ${JSON.stringify(values.directory)} in ${config.source}`);
  const logger = createLogger({ level: 'error', dir: null, maxFileBytes: 0, maxFiles: 0, console: true });
  const store = await openSecretStore(config.secretStore, { stateDir: config.stateDir });
  const reports: PermissionReport[] = [];
  try {
    for (const [index, directory] of chosen.entries()) {
      const bindPassword = await resolveSecretRef(directory.bindPassword, store, { path: `directories[${config.directories.indexOf(directory)}].bindPassword` });
      logger.redactor.track(bindPassword);
      const driver = createDriver(directory, { bindPassword, logger, now: () => new Date() });
      try {
        let user;
        if (values.user !== undefined) {
          const by = values.by ?? (directory.kind === 'activeDirectory' ? (values.user.includes('@') ? 'userPrincipalName' : 'sAMAccountName') : 'uid');
          user = await driver.resolveUser({ by: by as never, value: values.user });
        }
        reports.push(await driver.checkPermissions(user === undefined ? {} : { user }));
      } catch (error) {
        throw new SetupError('DIRECTORY', `check-permissions: directory ${directory.id} (#${index + 1}): ${isAgentError(error) ? error.message : 'could not check'}`, { cause: error });
      } finally {
        await driver.close().catch(() => undefined);
      }
    }
  } finally {
    await logger.close();
  }
  const missing = reports.some((report) => report.checks.some((check) => check.status === 'MISSING' && check.required));
  if (values.json) {
    const details = reports.map((report) => ({
      directory: report.directory,
      checks: report.checks.map((check) => ({ name: check.name, ok: check.status !== 'MISSING', status: check.status, required: check.required, detail: check.detail, ...(check.fix ? { fix: check.fix } : {}) })),
    }));
    process.stdout.write(`${JSON.stringify(details.length === 1 ? details[0] : details, null, 2)}\n`);
  } else {
    for (const report of reports) {
      process.stdout.write(`directory ${report.directory}\n`);
      for (const check of report.checks) {
        process.stdout.write(`  ${check.status.padEnd(7)} ${check.name}: ${check.detail}${check.required ? '' : ' (optional)'}\n`);
        if (check.fix && check.status !== 'OK') process.stdout.write(`          fix: ${check.fix}\n`);
      }
    }
  }
  return missing ? 1 : 0;
}
