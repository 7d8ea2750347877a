/**
 * What installing or removing the service does, as an ordered list of steps. The same plan is
 * printed by `--dry-run`, applied for real, or applied under a temporary root by tests, so what
 * an admin reads is exactly what runs.
 */
export type ServiceStep =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; content: string }
  | { kind: 'remove'; path: string; recursive: boolean }
  | {
      kind: 'command';
      argv: readonly string[];
      /** Why it runs, for the dry-run listing. */
      why: string;
      /** A failure is reported but does not stop the plan (e.g. stopping a service that is not running). */
      mayFail?: boolean;
      /** What undoes it when a later step fails (useradd: userdel). */
      undo?: readonly string[];
      /** Run it again once a rollback is done (daemon-reload, so systemd forgets a removed unit). */
      rerunAfterRollback?: boolean;
    };

export interface ServicePlan {
  platform: 'linux' | 'win32';
  steps: ServiceStep[];
  /** Things the admin must know or do (printed in every mode). */
  notes: string[];
}

/** Quotes an argument for display the way a POSIX shell would read it back. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argument for display as cmd.exe / PowerShell users expect (Windows paths cannot hold `"`). */
export function windowsQuote(arg: string): string {
  return /[\s&^|<>()]/.test(arg) || arg === '' ? `"${arg}"` : arg;
}

export function commandLine(plan: ServicePlan, argv: readonly string[]): string {
  const quote = plan.platform === 'win32' ? windowsQuote : shellQuote;
  return argv.map(quote).join(' ');
}

/** The dry-run listing: every file with its full content, every directory and every command, in order. */
export function describePlan(plan: ServicePlan): string {
  const out: string[] = [];
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'dir':
        out.push(`create directory ${step.path} (mode ${mode(step.mode)})`);
        break;
      case 'file':
        out.push(
          `write file ${step.path} (mode ${mode(step.mode)}):`,
          ...step.content
            .replace(/\r?\n$/, '')
            .split(/\r?\n/)
            .map((line) => `    ${line}`),
        );
        break;
      case 'remove':
        out.push(`remove ${step.recursive ? 'directory tree' : 'file'} ${step.path}`);
        break;
      case 'command':
        out.push(`run: ${commandLine(plan, step.argv)}    # ${step.why}${step.mayFail ? ' (a failure here is ignored)' : ''}`);
        break;
    }
  }
  for (const note of plan.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}

function mode(value: number): string {
  return value.toString(8).padStart(4, '0');
}
