import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SetupError } from '../errors.js';
import { commandLine, type ServicePlan, type ServiceStep } from './service-plan.js';

export interface ApplyOptions {
  /** Install under this directory instead of `/`; commands are not run (tests) unless `commandDir` is given. */
  root?: string;
  /** Tests only, with `root`: run each command from this directory (stand-in useradd, systemctl) instead of skipping it. */
  commandDir?: string;
  /** Where progress lines go. */
  log: (line: string) => void;
}

type CommandStep = Extract<ServiceStep, { kind: 'command' }>;

/**
 * Carries out a plan in order. A command that fails stops the plan with one line naming it,
 * unless the step says it may fail; what the plan had created by then is undone (rollback), so a
 * failed install leaves no half-made service behind. With `root`, every path is placed under it
 * and no command runs (useradd or systemctl against the real machine would defeat the point of a
 * test root).
 */
export async function applyPlan(plan: ServicePlan, options: ApplyOptions): Promise<void> {
  const at = (path: string): string => (options.root === undefined ? path : join(options.root, path));
  const undo: { what: string; run: () => Promise<void> }[] = [];
  const rerun: CommandStep[] = [];
  try {
    for (const step of plan.steps) {
      switch (step.kind) {
        case 'dir': {
          const created = await mkdir(at(step.path), { recursive: true, mode: step.mode });
          // mkdir leaves an existing directory's mode alone and the umask narrows a new one.
          await chmod(at(step.path), step.mode);
          if (created !== undefined) undo.push({ what: `removed ${created}`, run: () => rm(created, { recursive: true, force: true }) });
          options.log(`created ${at(step.path)}`);
          break;
        }
        case 'file': {
          const path = at(step.path);
          const before = await readFile(path).then(
            (content) => content,
            () => null,
          );
          const mode = before === null ? 0 : (await stat(path)).mode & 0o7777;
          await mkdir(dirname(path), { recursive: true, mode: 0o755 });
          await writeFile(path, step.content, { mode: step.mode });
          await chmod(path, step.mode);
          undo.push(
            before === null
              ? { what: `removed ${path}`, run: () => rm(path, { force: true }) }
              : {
                  what: `restored the previous ${path}`,
                  run: async () => {
                    await writeFile(path, before);
                    await chmod(path, mode);
                  },
                },
          );
          options.log(`wrote ${path}`);
          break;
        }
        case 'remove':
          await rm(at(step.path), { recursive: step.recursive, force: true });
          options.log(`removed ${at(step.path)}`);
          break;
        case 'command': {
          if (!runCommand(plan, step, options)) break;
          if (step.undo !== undefined) {
            const reverse: CommandStep = { kind: 'command', argv: step.undo, why: `undo ${step.argv[0] ?? ''}`, mayFail: true };
            undo.push({ what: `ran ${commandLine(plan, step.undo)}`, run: () => Promise.resolve(void runCommand(plan, reverse, options)) });
          }
          if (step.rerunAfterRollback === true) rerun.push({ ...step, mayFail: true });
          break;
        }
      }
    }
  } catch (error) {
    if (undo.length === 0) throw error;
    options.log('rolling back what this run had done:');
    for (const action of undo.reverse()) {
      await action.run().then(
        () => options.log(`  ${action.what}`),
        () => options.log(`  could not undo: ${action.what}`),
      );
    }
    for (const step of rerun) runCommand(plan, step, options);
    const reason = error instanceof Error ? error.message : String(error);
    throw new SetupError('CONFIG', `${reason.replace(/; fix that and run the command again.*$/, '')}; what this run had created was removed again, so fix that and run the command again`, {
      cause: error,
    });
  }
}

/** Runs one command step; false when it was skipped (test root) or failed where that is allowed. */
function runCommand(plan: ServicePlan, step: CommandStep, options: ApplyOptions): boolean {
  const line = commandLine(plan, step.argv);
  if (options.root !== undefined && options.commandDir === undefined) {
    options.log(`skipped (--root): ${line}`);
    return false;
  }
  const [name, ...args] = step.argv;
  if (name === undefined) return false;
  const file = options.commandDir === undefined ? name : join(options.commandDir, name);
  const run = spawnSync(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.error !== undefined || run.status !== 0) {
    const why = run.error !== undefined ? ((run.error as NodeJS.ErrnoException).code ?? 'could not start') : `exit status ${String(run.status ?? run.signal)}`;
    if (step.mayFail === true) {
      options.log(`ignored failure (${why}): ${line}`);
      return false;
    }
    throw new SetupError('CONFIG', `\`${line}\` failed (${why}); fix that and run the command again (it is safe to repeat)`);
  }
  options.log(`ran: ${line}`);
  return true;
}
