/**
 * CPU per operational log line with the agent's real winston logger: the File transport on, as
 * `run` and the bench configure it, and optionally the console stream (the default config's
 * stderr, here sent to /dev/null). The redactor tracks a bind password and as many in-flight
 * passwords as a loaded agent holds, because that is what every line is scanned against.
 *
 *   node --import tsx bench/micro/logger-cost.ts [lines] [--console] [--tracked N] [--per-turn N]
 *
 * `--per-turn`: lines logged per turn of the event loop (default 1, the worst case for the File
 * transport's batching; a loaded agent logs several per turn).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createLogger } from '../../agent/logging/create-logger.js';

const args = process.argv.slice(2);
const lines = Number(args[0] !== undefined && /^\d+$/.test(args[0]) ? args[0] : 20_000);
const withConsole = args.includes('--console');
const trackedIndex = args.indexOf('--tracked');
const tracked = trackedIndex >= 0 ? Number(args[trackedIndex + 1]) : 16;
const perTurnIndex = args.indexOf('--per-turn');
const perTurn = perTurnIndex >= 0 ? Number(args[perTurnIndex + 1]) : 1;

const dir = await mkdtemp(join(tmpdir(), 'wba-logcost-'));
const consoleStream = createWriteStream('/dev/null');
const logger = createLogger({ level: 'info', dir, maxFileBytes: 10 * 1024 * 1024, maxFiles: 5, console: withConsole, consoleStream });
logger.redactor.track('bind-Secret-0f3a9c');
for (let i = 0; i < tracked; i++) logger.redactor.track(`InFlight-Pw-${i}-x7!`);
const driverLogger = logger.child({ directory: 'ldap' });

// Warm up the JIT so the figure is the steady state a long-running agent sees.
async function run(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    // What one command logs: the driver's line and the pipeline's line.
    if (i % 2 === 0) driverLogger.info('password reset applied', { directory: 'ldap', dn: `uid=user${i},ou=people,dc=example,dc=org`, forceChange: true, unlock: false });
    else logger.info('command finished', { commandId: `0193a2b4-7c1d-7e0f-8a9b-${String(i).padStart(12, '0')}`, op: 'resetPassword', code: 'OK', dn: `uid=user${i},ou=people,dc=example,dc=org` });
    // Let the transports write between commands, as they do under real traffic.
    if (i % perTurn === perTurn - 1) await new Promise((resolve) => setImmediate(resolve));
  }
}

await run(2_000);
await new Promise((resolve) => setTimeout(resolve, 50));
const start = process.cpuUsage();
const wallStart = process.hrtime.bigint();
await run(lines);
await closeLogger(logger);
const cpu = process.cpuUsage(start);
const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
const perLineUs = (cpu.user + cpu.system) / lines;
console.log(
  JSON.stringify({
    lines,
    console: withConsole,
    tracked: tracked + 1,
    perTurn,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    wallMs: Math.round(wallMs),
    cpuPerLineUs: Math.round(perLineUs * 10) / 10,
  }),
);
// Retried: winston's File transport can open a fresh file after it finished, when a rotation was under way at close.
await rm(dir, { recursive: true, force: true, maxRetries: 3 });
