/**
 * CPU and fsyncs per audit line (issue 9): `concurrency` commands in flight each append one
 * outcome and wait for it, as the pipeline does, until `lines` lines are durable.
 *
 *   node --import tsx bench/micro/audit-cost.ts [lines] [--concurrency N] [--no-fsync]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../agent/audit/audit-log.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const lines = Number(args[0] !== undefined && /^\d+$/.test(args[0]) ? args[0] : 5_000);
const concurrency = option('--concurrency', 16);
const fsync = !args.includes('--no-fsync');

const dir = await mkdtemp(join(tmpdir(), 'wba-auditcost-'));
const log = await AuditLog.open(join(dir, 'audit.jsonl'), { fsync });
let next = 0;
async function worker(): Promise<void> {
  while (next < lines) {
    const i = next++;
    await log.append({
      commandId: `0193a2b4-7c1d-7e0f-8a9b-${String(i).padStart(12, '0')}`,
      op: 'resetPassword',
      directory: 'ldap',
      dn: `uid=user${i},ou=people,dc=example,dc=org`,
      code: 'OK',
      status: 'succeeded',
      time: new Date().toISOString(),
    });
  }
}
const start = process.cpuUsage();
const wallStart = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, () => worker()));
const cpu = process.cpuUsage(start);
const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
const stats = (log as { stats?: () => { syncs: number } }).stats?.();
await log.close();
console.log(
  JSON.stringify({
    lines,
    concurrency,
    fsync,
    syncs: stats?.syncs ?? 'n/a',
    cpuPerLineUs: Math.round(((cpu.user + cpu.system) / lines) * 10) / 10,
    userPerLineUs: Math.round((cpu.user / lines) * 10) / 10,
    linesPerSecond: Math.round(lines / (wallMs / 1000)),
  }),
);
await rm(dir, { recursive: true, force: true });
