/**
 * `npm run bench:service`: the reset service tier (issue 23). One agent process on a real slapd,
 * driven through (1) the in-memory service-sim, the baseline, and the real `writeback-service` on
 * (2) SQLite, (3) PostgreSQL with one node and (4) PostgreSQL with two nodes (the agent on one,
 * submissions at the other). For each: latency from submission to the stored result, one command
 * at a time, and throughput and service CPU per command for a burst. Prints a Markdown table and
 * the two verdicts, writes bench-results/service-<time>.json. Not part of `npm test`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openMigrated, type ServiceDb } from '../service/db/open-database.js';
import { PostgresFixture } from '../test/fixtures/postgres.js';
import { startSlapd, type SlapdFixture } from '../test/fixtures/slapd.js';
import { AgentEnvironment, type TestDirectory } from '../test/helpers/agent-environment.js';
import { ServiceEnvironment } from '../test/helpers/service-environment.js';
import { summarizeLatency, type LatencySummary } from './percentiles.js';
import { processStats } from './process-stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USERS = ['alice', 'bob', 'erin', 'henry', 'ivan'] as const;
const LIMITS = { maxInFlight: 16, perTargetPerMinute: 1_000_000 };
const SUBMIT_CONCURRENCY = 32;

interface TierResult {
  target: string;
  latency: LatencySummary;
  commandsPerSecond: number;
  cpuMsPerCommand: number;
}

const progress = (line: string): void => void process.stderr.write(`[bench:service ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const spec = (i: number) => ({ op: 'getAccountState', target: { by: 'uid', value: USERS[i % USERS.length]! } });

function directoryOf(slapd: SlapdFixture): TestDirectory {
  return {
    id: 'ldap',
    kind: 'openldap',
    urls: [slapd.ldapsUrl],
    baseDn: slapd.suffix,
    bindDn: slapd.layout.serviceDn,
    bindPassword: slapd.layout.servicePassword,
    caFile: slapd.caFile,
    include: [slapd.layout.peopleDn],
    extra: { poolSize: 4 },
  };
}

async function simTier(slapd: SlapdFixture, sequential: number, burst: number): Promise<TierResult> {
  const env = await AgentEnvironment.create({ directories: [directoryOf(slapd)], limits: LIMITS });
  try {
    await env.register();
    await env.startAgent();
    const samples: number[] = [];
    for (let i = 0; i < sequential; i++) {
      const started = performance.now();
      await env.command(spec(i));
      samples.push(performance.now() - started);
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: burst }, (_, i) => env.command(spec(i))));
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { target: 'service-sim (in memory)', latency: summarizeLatency(samples), commandsPerSecond: (burst * 1000) / elapsedMs, cpuMsPerCommand: (used.user + used.system) / 1000 / burst };
  } finally {
    await env.close();
  }
}

/** Submission-to-stored latencies and the span of the given commands, from the service's own timestamps. */
async function fromDatabase(store: ServiceDb, ids: string[]): Promise<{ latencies: number[]; spanMs: number }> {
  const rows = await store.db
    .selectFrom('commands')
    .innerJoin('results', 'results.command_id', 'commands.id')
    .select(['commands.created_at', 'results.stored_at'])
    .where('commands.id', 'in', ids)
    .execute();
  if (rows.length !== ids.length) throw new Error(`${ids.length - rows.length} commands without a stored result`);
  const created = rows.map((r) => Date.parse(r.created_at));
  const stored = rows.map((r) => Date.parse(r.stored_at));
  return { latencies: rows.map((_, i) => stored[i]! - created[i]!), spanMs: Math.max(...stored) - Math.min(...created) };
}

async function realTier(target: string, slapd: SlapdFixture, sequential: number, burst: number, options: { dbUrl?: string; nodes: number }): Promise<TierResult> {
  const env = await ServiceEnvironment.create({
    directories: [directoryOf(slapd)],
    limits: LIMITS,
    nodes: options.nodes,
    logLevel: 'warn',
    ...(options.dbUrl === undefined ? {} : { dbUrl: options.dbUrl }),
  });
  const store = await openMigrated({ url: options.dbUrl ?? null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
  try {
    for (let i = 0; i < options.nodes; i++) await env.startNode(i);
    await env.writeAgentConfig(env.nodes[0]!.url);
    await env.register();
    await env.startAgent();
    const at = options.nodes - 1;
    const sequentialIds: string[] = [];
    for (let i = 0; i < sequential; i++) {
      const id = await env.submit(spec(i), at);
      await env.waitResult(id, at);
      sequentialIds.push(id);
    }
    const latency = summarizeLatency((await fromDatabase(store, sequentialIds)).latencies);
    const pids = env.nodes.map((n) => n!.process.child.pid!);
    const cpuBefore = pids.reduce((sum, pid) => sum + processStats(pid).cpuMs, 0);
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
        while (next < burst) ids.push(await env.submit(spec(next++), at));
      }),
    );
    // Completion is read from the database, not through the API: the nodes' CPU is then submission and delivery only.
    const deadline = Date.now() + 120_000;
    while (
      Number(
        (
          await store.db
            .selectFrom('results')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('command_id', 'in', ids)
            .executeTakeFirstOrThrow()
        ).n,
      ) < burst
    ) {
      if (Date.now() > deadline) throw new Error('the burst did not finish in 120 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const cpuMs = pids.reduce((sum, pid) => sum + processStats(pid).cpuMs, 0) - cpuBefore;
    const { spanMs } = await fromDatabase(store, ids);
    return { target, latency, commandsPerSecond: (burst * 1000) / spanMs, cpuMsPerCommand: cpuMs / burst };
  } finally {
    await store.close();
    await env.close();
  }
}

function table(results: TierResult[]): string {
  const lines = ['| target | p50 ms | p99 ms | commands/s (burst) | service CPU ms/command |', '|---|---|---|---|---|'];
  for (const r of results) lines.push(`| ${r.target} | ${r.latency.p50.toFixed(1)} | ${r.latency.p99.toFixed(1)} | ${r.commandsPerSecond.toFixed(0)} | ${r.cpuMsPerCommand.toFixed(2)} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sequential: { type: 'string', default: '100' }, burst: { type: 'string', default: '600' }, out: { type: 'string', default: 'bench-results' } } });
  const sequential = Number(values.sequential);
  const burst = Number(values.burst);
  if (!Number.isInteger(sequential) || sequential < 1 || !Number.isInteger(burst) || burst < 1) throw new Error('--sequential and --burst take positive integers');
  const [slapd, pg] = await Promise.all([startSlapd({ rights: '=wm' }), PostgresFixture.start()]);
  const results: TierResult[] = [];
  try {
    progress('service-sim');
    results.push(await simTier(slapd, sequential, burst));
    progress('writeback-service on SQLite');
    results.push(await realTier('writeback-service, SQLite', slapd, sequential, burst, { nodes: 1 }));
    progress('writeback-service on PostgreSQL, one node');
    results.push(await realTier('writeback-service, PostgreSQL, 1 node', slapd, sequential, burst, { nodes: 1, dbUrl: await pg.createDatabase('bench1') }));
    progress('writeback-service on PostgreSQL, two nodes');
    results.push(await realTier('writeback-service, PostgreSQL, 2 nodes', slapd, sequential, burst, { nodes: 2, dbUrl: await pg.createDatabase('bench2') }));
  } finally {
    await slapd.destroy();
    await pg.destroy();
  }
  const [sim, sqlite] = results as [TierResult, TierResult];
  const verdicts = [
    `${sqlite.cpuMsPerCommand <= 2 * sim.cpuMsPerCommand ? 'PASS' : 'MISS'} service CPU per command on SQLite ${sqlite.cpuMsPerCommand.toFixed(2)} ms, at most twice service-sim's ${sim.cpuMsPerCommand.toFixed(2)} ms`,
    `${sqlite.commandsPerSecond >= 0.8 * sim.commandsPerSecond ? 'PASS' : 'MISS'} throughput on SQLite ${sqlite.commandsPerSecond.toFixed(0)}/s, at least 80% of service-sim's ${sim.commandsPerSecond.toFixed(0)}/s`,
  ];
  process.stdout.write(`${table(results)}\n\n${verdicts.join('\n')}\n`);
  const outDir = resolve(ROOT, values.out);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `service-${new Date().toISOString().replaceAll(':', '-')}.json`), JSON.stringify({ sequential, burst, results, verdicts }, null, 2));
}

await main();
