import { SetupError } from '../errors.js';
import type { ServicePlan } from './service-plan.js';
import { describePlan } from './service-plan.js';

export type ServicePlatform = 'linux' | 'win32';

/** The platform to install for: this one, or `--platform` (to print a Windows plan on Linux and back). */
export function servicePlatform(flag: string | undefined): ServicePlatform {
  const chosen = flag ?? process.platform;
  if (chosen === 'linux' || chosen === 'win32') return chosen;
  throw new SetupError('CONFIG', `${chosen} is not supported; the agent installs as a systemd service on Linux and a WinSW service on Windows (win32)`);
}

/** The expanded %ProgramData%, which the Windows plan needs even when printed on Linux. */
export function programData(): string {
  return process.env['ProgramData'] ?? process.env['PROGRAMDATA'] ?? 'C:\\ProgramData';
}

/** Changing services needs root on Linux; said before anything is done. */
export function assertPrivileged(platform: ServicePlatform): void {
  if (platform === 'linux' && process.platform === 'linux' && process.getuid?.() !== 0) {
    throw new SetupError('CONFIG', `must run as root (sudo); --dry-run shows what it would do without changing anything`);
  }
}

export function printPlan(plan: ServicePlan): void {
  process.stdout.write(describePlan(plan));
}

export function printNotes(plan: ServicePlan): void {
  for (const note of plan.notes) process.stdout.write(`note: ${note}\n`);
}
