import { createTask, validate, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { AgentConfig } from '../config/agent-config.js';
import type { Logger } from '../logging/logger.js';

export interface ScheduledJob {
  /** Stable name used in logs, e.g. `permissionCheck`. */
  name: string;
  /** node-cron expression (5 fields, or 6 with seconds first). */
  cron: string;
  run: () => unknown;
}

/**
 * Named periodic jobs over node-cron. A job that throws or rejects is logged and runs again at its
 * next time; it never crashes the agent. Runs of one job never overlap. `stop` ends them all.
 */
export class Scheduler {
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #tasks = new Map<string, { job: ScheduledJob; task: ScheduledTask }>();

  constructor(logger: Logger, options: { now?: () => Date } = {}) {
    this.#logger = logger;
    this.#now = options.now ?? (() => new Date());
  }

  add(job: ScheduledJob): void {
    if (this.#tasks.has(job.name)) throw new Error(`a job named ${job.name} is already scheduled`);
    if (!validate(job.cron)) throw new Error(`job ${job.name}: invalid cron expression ${JSON.stringify(job.cron)}`);
    // unref: a timer must not keep a stopping process alive; the connection does that while running.
    const task = createTask(job.cron, () => this.#execute(job), { name: job.name, noOverlap: true, unref: true, logger: this.#cronLogger(job.name) });
    this.#tasks.set(job.name, { job, task });
    void task.start();
  }

  /** Runs a job now (e.g. once at start-up); resolves true when it succeeded. */
  runNow(name: string): Promise<boolean> {
    const entry = this.#tasks.get(name);
    if (entry === undefined) return Promise.reject(new Error(`no job named ${name}`));
    return this.#execute(entry.job);
  }

  names(): string[] {
    return [...this.#tasks.keys()];
  }

  nextRun(name: string): Date | null {
    return this.#tasks.get(name)?.task.getNextRun() ?? null;
  }

  /** Stops and forgets every job. */
  async stop(): Promise<void> {
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    await Promise.all(tasks.map(async ({ task }) => task.destroy()));
  }

  /** node-cron's own notices (missed or overlapping runs) go to the agent's log, not the console. */
  #cronLogger(job: string): CronLogger {
    const meta = (error?: Error): Record<string, unknown> => (error === undefined ? { job } : { job, error });
    return {
      info: (message) => this.#logger.info(message, { job }),
      warn: (message) => this.#logger.warn(message, { job }),
      error: (message, error) => this.#logger.error(String(message instanceof Error ? message.message : message), meta(error)),
      debug: (message, error) => this.#logger.debug(String(message instanceof Error ? message.message : message), meta(error)),
    };
  }

  async #execute(job: ScheduledJob): Promise<boolean> {
    const started = this.#now().getTime();
    try {
      await job.run();
      this.#logger.debug('scheduled job done', { job: job.name, ms: this.#now().getTime() - started });
      return true;
    } catch (error) {
      this.#logger.error('scheduled job failed', { job: job.name, error });
      return false;
    }
  }
}

/** The agent's standard jobs, at the times the config's `schedule` gives. */
export interface AgentJobs {
  /** Permission self-check of every directory (default every 6 hours). */
  checkPermissions: () => unknown;
  /** Journal compaction (default daily). */
  compactJournal: () => unknown;
  /** TLS certificate expiry warnings (default daily). */
  checkCertificates: () => unknown;
}

export const AgentJobName = {
  permissionCheck: 'permissionCheck',
  journalCompaction: 'journalCompaction',
  certificateExpiry: 'certificateExpiry',
} as const;

export function scheduleAgentJobs(scheduler: Scheduler, schedule: AgentConfig['schedule'], jobs: AgentJobs): void {
  scheduler.add({ name: AgentJobName.permissionCheck, cron: schedule.permissionCheck, run: jobs.checkPermissions });
  scheduler.add({ name: AgentJobName.journalCompaction, cron: schedule.journalCompaction, run: jobs.compactJournal });
  scheduler.add({ name: AgentJobName.certificateExpiry, cron: schedule.certificateExpiry, run: jobs.checkCertificates });
}
