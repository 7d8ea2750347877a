import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { SetupError } from '../../errors.js';
import { applyPlan } from '../../service/apply-plan.js';
import { linuxUninstallPlan } from '../../service/linux-install.js';
import { ServiceDefaults } from '../../service/service-defaults.js';
import { windowsUninstallPlan } from '../../service/windows-install.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';
import { assertPrivileged, printNotes, printPlan, programData, servicePlatform } from '../../service/service-cli.js';

/**
 * `uninstall-service --config F [--dry-run] [--purge] [--root DIR] [--user NAME] [--name UNIT]`:
 * stops, disables and removes the service. State and logs stay unless --purge (Linux only).
 */
export async function uninstallServiceCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs['uninstall-service'].options, 'uninstall-service');
  const platform = servicePlatform(values.platform);
  const name = values.name ?? ServiceDefaults.name;
  let plan;
  if (platform === 'linux') {
    const config = await loadConfig(configPathFrom(values.config));
    plan = linuxUninstallPlan(config, { unitName: name, user: values.user ?? ServiceDefaults.user, purge: values.purge === true });
  } else {
    if (values.purge) throw new SetupError('CONFIG', '--purge is for Linux; on Windows delete the state and log directories by hand');
    if (values.root !== undefined) throw new SetupError('CONFIG', '--root is for Linux test installs only');
    plan = windowsUninstallPlan({ id: name, programData: programData(), serviceDir: values['service-dir'] ?? null });
  }
  if (values['dry-run']) {
    printPlan(plan);
    return 0;
  }
  if (platform === 'win32' && process.platform !== 'win32') throw new SetupError('CONFIG', 'a Windows service can only be removed on Windows; use --dry-run to see the plan');
  if (values.root === undefined) assertPrivileged(platform);
  await applyPlan(plan, { ...(values.root === undefined ? {} : { root: values.root }), log: (line) => process.stdout.write(`${line}\n`) });
  printNotes(plan);
  return 0;
}
