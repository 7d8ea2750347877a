import { win32 } from 'node:path';
import type { AgentConfig } from '../config/agent-config.js';
import { SetupError } from '../errors.js';
import { ServiceDefaults } from './service-defaults.js';
import type { ServicePlan, ServiceStep } from './service-plan.js';
import { protectedAclCommand, protectedDirectories } from './windows-acl.js';
import { winswXml } from './winsw.js';

export interface WindowsInstallOptions {
  id: string;
  nodePath: string;
  binPath: string;
  /** The expanded %ProgramData% (C:\ProgramData). */
  programData: string;
  /** Where the renamed WinSW exe and its XML live; default %ProgramData%\writeback-agent\service. */
  serviceDir: string | null;
  serviceAccount: string | null;
}

const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

export function windowsServiceDir(programData: string, serviceDir: string | null): string {
  return serviceDir ?? win32.join(programData, ServiceDefaults.windowsServiceSubdir);
}

/** The renamed WinSW executable (`<id>.exe`) and its XML (`<id>.xml`), side by side as WinSW requires. */
export function winswPaths(options: { id: string; programData: string; serviceDir: string | null }): { exe: string; xml: string } {
  const dir = windowsServiceDir(options.programData, options.serviceDir);
  return { exe: win32.join(dir, `${options.id}.exe`), xml: win32.join(dir, `${options.id}.xml`) };
}

function assertId(id: string): void {
  if (!SERVICE_ID.test(id)) throw new SetupError('CONFIG', `--name ${JSON.stringify(id)} is not a valid service id (letters, digits, "_", ".", "-")`);
}

/**
 * Writes the WinSW XML and runs `<id>.exe install` and `<id>.exe start`. The WinSW executable is
 * never downloaded: the admin places WinSW-x64.exe, renamed `<id>.exe`, in the service directory.
 */
export function windowsInstallPlan(config: AgentConfig, options: WindowsInstallOptions): ServicePlan {
  assertId(options.id);
  const { exe, xml } = winswPaths({ id: options.id, programData: options.programData, serviceDir: options.serviceDir });
  const logDir = win32.join(options.programData, ServiceDefaults.windowsLogSubdir);
  const steps: ServiceStep[] = [
    { kind: 'dir', path: config.stateDir, mode: 0o700 },
    ...(config.logging.dir === null ? [] : [{ kind: 'dir' as const, path: config.logging.dir, mode: 0o750 }]),
    { kind: 'dir', path: logDir, mode: 0o750 },
    // The file modes above mean nothing on Windows: a protected ACL does their work.
    ...protectedDirectories(config).map((dir): ServiceStep => ({
      kind: 'command',
      argv: protectedAclCommand(dir, options.serviceAccount),
      why: `only the service account, LocalSystem and Administrators may access ${dir}`,
    })),
    {
      kind: 'file',
      path: xml,
      mode: 0o644,
      content: winswXml({
        id: options.id,
        nodePath: options.nodePath,
        binPath: options.binPath,
        configPath: config.source,
        logPath: `%ProgramData%\\${ServiceDefaults.windowsLogSubdir}`,
        serviceAccount: options.serviceAccount,
      }),
    },
    { kind: 'command', argv: [exe, 'install'], why: 'register the Windows service (WinSW reads the XML beside it)' },
    { kind: 'command', argv: [exe, 'start'], why: 'start it now; it starts at every boot (delayed automatic)' },
  ];
  const notes = [
    `WinSW is not downloaded: place WinSW-x64.exe (v3, from the WinSW releases) at ${exe} before running this without --dry-run`,
    `the service runs as ${options.serviceAccount ?? 'LocalSystem'}; the icacls steps give it, LocalSystem and Administrators alone access to ${protectedDirectories(config).join(', ')}`,
  ];
  if (config.secretStore === 'keychain') {
    notes.push(
      `secretStore is "keychain" (Windows Credential Manager): the keys belong to the account that ran register, so run register as ${options.serviceAccount ?? 'LocalSystem'}, or use "secretStore": "file"`,
    );
  }
  return { platform: 'win32', steps, notes };
}

/** Stops and removes the Windows service and its XML; keeps state and logs. */
export function windowsUninstallPlan(options: { id: string; programData: string; serviceDir: string | null }): ServicePlan {
  assertId(options.id);
  const { exe, xml } = winswPaths(options);
  return {
    platform: 'win32',
    steps: [
      { kind: 'command', argv: [exe, 'stop'], why: 'stop the service (Ctrl+C, then up to 15 s)', mayFail: true },
      { kind: 'command', argv: [exe, 'uninstall'], why: 'remove the Windows service' },
      { kind: 'remove', path: xml, recursive: false },
    ],
    notes: [`kept: the state directory, the logs and ${exe} (delete them by hand if no longer needed)`],
  };
}
