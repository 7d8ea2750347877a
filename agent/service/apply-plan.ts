import { spawnSync } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SetupError } from '../errors.js';
import { commandLine, type ServicePlan } from './service-plan.js';

export interface ApplyOptions {
  /** Install under this directory instead of `/`; commands are not run (tests). */
  root?: string;
  /** Where progress lines go. */
  log: (line: string) => void;
}

/**
 * Carries out a plan in order. A command that fails stops the plan with one line naming it,
 * unless the step says it may fail. With `root`, every path is placed under it and no command
 * runs (useradd or systemctl against the real machine would defeat the point of a test root).
 */
export async function applyPlan(plan: ServicePlan, options: ApplyOptions): Promise<void> {
  const at = (path: string): string => (options.root === undefined ? path : join(options.root, path));
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'dir':
        await mkdir(at(step.path), { recursive: true, mode: step.mode });
        // mkdir leaves an existing directory's mode alone and the umask narrows a new one.
        await chmod(at(step.path), step.mode);
        options.log(`created ${at(step.path)}`);
        break;
      case 'file':
        await mkdir(dirname(at(step.path)), { recursive: true, mode: 0o755 });
        await writeFile(at(step.path), step.content, { mode: step.mode });
        await chmod(at(step.path), step.mode);
        options.log(`wrote ${at(step.path)}`);
        break;
      case 'remove':
        await rm(at(step.path), { recursive: step.recursive, force: true });
        options.log(`removed ${at(step.path)}`);
        break;
      case 'command': {
        const line = commandLine(plan, step.argv);
        if (options.root !== undefined) {
          options.log(`skipped (--root): ${line}`);
          break;
        }
        const [file, ...args] = step.argv;
        if (file === undefined) break;
        const run = spawnSync(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
        if (run.error !== undefined || run.status !== 0) {
          const why = run.error !== undefined ? (run.error as NodeJS.ErrnoException).code ?? 'could not start' : `exit status ${String(run.status ?? run.signal)}`;
          if (step.mayFail) {
            options.log(`ignored failure (${why}): ${line}`);
            break;
          }
          throw new SetupError('CONFIG', `install-service: \`${line}\` failed (${why}); fix that and run the command again (it is safe to repeat)`);
        }
        options.log(`ran: ${line}`);
        break;
      }
    }
  }
}
