import test from 'ava';
import type { Logger } from '../../../../agent/logging/logger.js';
import { AgentJobName, scheduleAgentJobs, Scheduler } from '../../../../agent/schedule/scheduler.js';

function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; meta?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, ...(meta === undefined ? {} : { meta }) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

test('registers the agent jobs at the configured times', async (t) => {
  const scheduler = new Scheduler(recordingLogger());
  const ran: string[] = [];
  scheduleAgentJobs(
    scheduler,
    { permissionCheck: '0 */6 * * *', journalCompaction: '17 3 * * *', certificateExpiry: '0 8 * * *', certificateWarningDays: [30] },
    { checkPermissions: () => ran.push('perm'), compactJournal: () => ran.push('compact'), checkCertificates: () => ran.push('cert') },
  );
  t.deepEqual(scheduler.names(), [AgentJobName.permissionCheck, AgentJobName.journalCompaction, AgentJobName.certificateExpiry]);
  const next = scheduler.nextRun(AgentJobName.permissionCheck)!;
  t.is(next.getMinutes(), 0);
  t.is(next.getHours() % 6, 0);
  t.is(scheduler.nextRun(AgentJobName.journalCompaction)!.getMinutes(), 17);
  t.true(await scheduler.runNow(AgentJobName.journalCompaction));
  t.deepEqual(ran, ['compact']);
  await scheduler.stop();
  t.deepEqual(scheduler.names(), []);
});

test('a failing job is logged, not thrown, and runs again later', async (t) => {
  const logger = recordingLogger();
  const scheduler = new Scheduler(logger);
  let calls = 0;
  scheduler.add({
    name: 'flaky',
    cron: '0 0 1 1 *',
    run: () => {
      calls++;
      if (calls === 1) return Promise.reject(new Error('directory unreachable'));
      return undefined;
    },
  });
  t.false(await scheduler.runNow('flaky'));
  t.like(
    logger.lines.find((l) => l.level === 'error'),
    { message: 'scheduled job failed', meta: { job: 'flaky' } },
  );
  t.true(await scheduler.runNow('flaky'));
  await scheduler.stop();
});

test('jobs fire on their cron schedule and stop firing after stop()', async (t) => {
  const scheduler = new Scheduler(recordingLogger());
  let fired = 0;
  // node-cron reads the real clock, so this one test waits for a real tick (every second).
  const firstTick = new Promise<void>((resolve) => {
    scheduler.add({
      name: 'tick',
      cron: '* * * * * *',
      run: () => {
        fired++;
        resolve();
      },
    });
  });
  // Job timers are unref'd (they must not keep a stopping agent alive), so this timer keeps the test alive.
  let guard: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (guard = setTimeout(() => reject(new Error('the job never fired')), 5000)));
  await Promise.race([firstTick, timeout]);
  clearTimeout(guard);
  await scheduler.stop();
  const afterStop = fired;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.is(fired, afterStop);
  t.true(fired >= 1);
});

test('refuses an invalid cron expression and a duplicate name', (t) => {
  const scheduler = new Scheduler(recordingLogger());
  t.throws(() => scheduler.add({ name: 'bad', cron: 'every day', run: () => undefined }), { message: /invalid cron expression/ });
  scheduler.add({ name: 'once', cron: '0 0 1 1 *', run: () => undefined });
  t.throws(() => scheduler.add({ name: 'once', cron: '0 0 1 1 *', run: () => undefined }), { message: /already scheduled/ });
  return scheduler.stop();
});
