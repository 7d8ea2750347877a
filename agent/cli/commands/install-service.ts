import { spawnSync } from 'node:child_process';
import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { SetupError } from '../../errors.js';
import { applyPlan } from '../../service/apply-plan.js';
import { linuxInstallPlan } from '../../service/linux-install.js';
import { ServiceDefaults } from '../../service/service-defaults.js';
import { installedBinPath } from '../../service/service-paths.js';
import { windowsInstallPlan, winswPaths } from '../../service/windows-install.js';
import { existsSync } from 'node:fs';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';
import { assertPrivileged, printNotes, printPlan, programData, servicePlatform } from '../../service/service-cli.js';

/**
 * `install-service --config F [--dry-run] [--root DIR] [--user NAME] [--name UNIT] [--node PATH]
 * [--bin PATH] [--encrypted-credentials] [--service-dir DIR] [--platform linux|win32]`.
 * Linux: account, directories, hardened systemd unit, enable --now. Windows: WinSW XML, install, start.
 */
export async function installServiceCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs['install-service'].options, 'install-service');
  const platform = servicePlatform(values.platform);
  const config = await loadConfig(configPathFrom(values.config));
  const dryRun = values['dry-run'] === true;
  const nodePath = values.node ?? process.execPath;
  const binPath = values.bin ?? installedBinPath();
  const name = values.name ?? ServiceDefaults.name;

  if (platform === 'linux') {
    const user = values.user ?? ServiceDefaults.user;
    const plan = linuxInstallPlan(config, {
      unitName: name,
      user,
      nodePath,
      binPath,
      encryptedCredentials: values['encrypted-credentials'] === true,
      userExists: values.root === undefined && spawnSync('id', ['-u', user], { stdio: 'ignore' }).status === 0,
    });
    if (dryRun) {
      printPlan(plan);
      return 0;
    }
    if (values.root === undefined) assertPrivileged(platform);
    await applyPlan(plan, { ...(values.root === undefined ? {} : { root: values.root }), log: (line) => process.stdout.write(`${line}\n`) });
    printNotes(plan);
    return 0;
  }

  if (values.root !== undefined) throw new SetupError('CONFIG', '--root is for Linux test installs only');
  const options = { id: name, nodePath, binPath, programData: programData(), serviceDir: values['service-dir'] ?? null, serviceAccount: values.user ?? null };
  const plan = windowsInstallPlan(config, options);
  if (dryRun) {
    printPlan(plan);
    return 0;
  }
  if (process.platform !== 'win32') throw new SetupError('CONFIG', 'a Windows service can only be installed on Windows; use --dry-run to see the plan');
  const { exe } = winswPaths(options);
  if (!existsSync(exe)) {
    throw new SetupError('CONFIG', `${exe} is missing; download WinSW-x64.exe (v3) from the WinSW releases, rename it to ${name}.exe and place it there`);
  }
  await applyPlan(plan, { log: (line) => process.stdout.write(`${line}\n`) });
  printNotes(plan);
  return 0;
}
