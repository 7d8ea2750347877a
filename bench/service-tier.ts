/**
 * The reset service tier (issue 23), part of `npm run bench` and alone as `npm run bench:service`.
 * One agent process per side on one real slapd, driven through (1) the baseline, service-sim: the
 * service's own gateway, dispatcher and store in the bench's process on an in-memory SQLite database,
 * commands issued by function call (no admin API, no HTTP, no fsync), and the real `writeback-service` on (2) SQLite with `synchronous=full` (the default),
 * (3) SQLite with `normal`, (4) PostgreSQL with one node and (5) with two nodes (the agent on one,
 * submissions at the other). Every side is started and warmed up first; then the sides take their
 * blocks in turn, the order reversed every other block, so a machine that slows down mid-run slows
 * every side alike. Per side: latency from submission to the stored result one command at a time,
 * and throughput and service CPU per command for a burst.
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
import { closeOnInterrupt } from './interrupt-cleanup.js';
import { blockSizes } from './paired-rounds.js';
import { summarizeLatency } from './percentiles.js';
import { processStats } from './process-stats.js';
import { round, SERVICE_SIDES, serviceTierMarkdown, serviceTierVerdicts, type ServiceSide, type ServiceTierReport, type ServiceTierRow } from './service-tier-report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USERS = ['alice', 'bob', 'erin', 'henry', 'ivan'] as const;
const LIMITS = { maxInFlight: 16, perTargetPerMinute: 1_000_000 };
/** Admin API clients submitting at once during a burst (kept-alive HTTPS connections). */
const SUBMITTERS = 32;
/** Untimed commands per side before any block: the service's hot paths get compiled. */
const WARMUP = 200;
const BURST_DEADLINE_MS = 120_000;

export interface ServiceTierOptions {
  sequential: number;
  burst: number;
  rounds: number;
  sides: readonly ServiceSide[];
}

type Progress = (line: string) => void;

/** One way of running the service, with an agent connected and ready. */
interface Side {
  key: ServiceSide;
  name: string;
  /** Latencies (ms) of `count` commands sent one after the other. */
  sequential(count: number, first: number): Promise<number[]>;
  /** `count` commands at once: wall time from the first submission to the last stored result, and the service's CPU. */
  burst(count: number, first: number): Promise<{ spanMs: number; cpuMs: number }>;
  close(): Promise<void>;
}

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

async function simSide(slapd: SlapdFixture): Promise<Side> {
  const env = await AgentEnvironment.create({ directories: [directoryOf(slapd)], limits: LIMITS });
  try {
    await env.register();
    await env.startAgent();
  } catch (error) {
    await env.close();
    throw error;
  }
  return {
    key: 'service-sim',
    name: 'service-sim (the service in process, in-memory SQLite)',
    async sequential(count, first) {
      const samples: number[] = [];
      for (let i = first; i < first + count; i++) {
        const started = performance.now();
        await env.command(spec(i));
        samples.push(performance.now() - started);
      }
      return samples;
    },
    async burst(count, first) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await Promise.all(Array.from({ length: count }, (_, i) => env.command(spec(first + i))));
      const spanMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      return { spanMs, cpuMs: (used.user + used.system) / 1000 };
    },
    close: () => env.close(),
  };
}

interface RealSideSettings {
  key: ServiceSide;
  name: string;
  nodes: number;
  dbUrl?: string;
  synchronous?: 'full' | 'normal';
}

async function realSide(slapd: SlapdFixture, settings: RealSideSettings): Promise<Side> {
  const { nodes, dbUrl, synchronous } = settings;
  const env = await ServiceEnvironment.create({
    directories: [directoryOf(slapd)],
    limits: LIMITS,
    nodes,
    logLevel: 'warn',
    ...(dbUrl === undefined ? {} : { dbUrl }),
    serviceConfig: (config) => {
      if (synchronous !== undefined) (config as { database: { sqliteSynchronous: string } }).database.sqliteSynchronous = synchronous;
    },
  });
  let store: ServiceDb | null = null;
  try {
    for (let i = 0; i < nodes; i++) await env.startNode(i);
    await env.writeAgentConfig(env.nodes[0]!.url);
    await env.register();
    await env.startAgent();
    // The bench reads results from the database, so the nodes' CPU is submission and delivery only.
    store = await openMigrated({ url: dbUrl ?? null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
  } catch (error) {
    await store?.close();
    await env.close();
    throw error;
  }
  const db = store;
  // Submissions go to the last node; with two, the agent holds its session on the first.
  const at = nodes - 1;
  const pids = env.nodes.map((node) => node!.process.child.pid!);
  const cpuMs = (): number => pids.reduce((sum, pid) => sum + processStats(pid).cpuMs, 0);
  // Cheap reads (a count of the table, one key): the bench's polling competes for the same cores.
  const resultCount = async (): Promise<number> =>
    Number(
      (
        await db.db
          .selectFrom('results')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const isStored = async (id: string): Promise<boolean> => (await db.db.selectFrom('results').select('command_id').where('command_id', '=', id).executeTakeFirst()) !== undefined;
  const waitUntil = async (done: () => Promise<boolean>, pollMs: number, what: string): Promise<void> => {
    const deadline = Date.now() + BURST_DEADLINE_MS;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${settings.name}: ${what} not stored after ${BURST_DEADLINE_MS} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  return {
    key: settings.key,
    name: settings.name,
    async sequential(count, first) {
      const ids: string[] = [];
      for (let i = first; i < first + count; i++) {
        const id = await env.submit(spec(i), at);
        await waitUntil(() => isStored(id), 2, `command ${id}`);
        ids.push(id);
      }
      return (await fromDatabase(db, ids)).latencies;
    },
    async burst(count, first) {
      const before = cpuMs();
      const target = (await resultCount()) + count;
      const ids: string[] = [];
      let next = first;
      await Promise.all(
        Array.from({ length: Math.min(SUBMITTERS, count) }, async () => {
          while (next < first + count) ids.push(await env.submit(spec(next++), at));
        }),
      );
      await waitUntil(async () => (await resultCount()) >= target, 20, `${count} commands`);
      const used = cpuMs() - before;
      return { spanMs: (await fromDatabase(db, ids)).spanMs, cpuMs: used };
    },
    async close() {
      await db.close();
      await env.close();
    },
  };
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
  return { latencies: rows.map((_, i) => stored[i]! - created[i]!), spanMs: Math.max(1, Math.max(...stored) - Math.min(...created)) };
}

async function startSide(key: ServiceSide, slapd: SlapdFixture, postgres: () => Promise<PostgresFixture>): Promise<Side> {
  switch (key) {
    case 'service-sim':
      return simSide(slapd);
    case 'sqlite':
      return realSide(slapd, { key, name: 'writeback-service, SQLite (synchronous=full, the default)', nodes: 1, synchronous: 'full' });
    case 'sqlite-normal':
      return realSide(slapd, { key, name: 'writeback-service, SQLite (synchronous=normal)', nodes: 1, synchronous: 'normal' });
    case 'postgres-1':
      return realSide(slapd, { key, name: 'writeback-service, PostgreSQL, 1 node', nodes: 1, dbUrl: await (await postgres()).createDatabase('bench1') });
    case 'postgres-2':
      return realSide(slapd, { key, name: 'writeback-service, PostgreSQL, 2 nodes', nodes: 2, dbUrl: await (await postgres()).createDatabase('bench2') });
  }
}

/** Runs the sides the options name against one slapd (and one PostgreSQL cluster when a side needs it). */
export async function runServiceTier(options: ServiceTierOptions, progress: Progress): Promise<ServiceTierReport> {
  const slapd = await startSlapd({ rights: '=wm' });
  let pg: PostgresFixture | null = null;
  const postgres = async (): Promise<PostgresFixture> => (pg ??= await PostgresFixture.start());
  const sides: Side[] = [];
  const close = async (): Promise<void> => {
    for (const side of sides.splice(0)) await side.close().catch(() => undefined);
    await slapd.destroy();
    await pg?.destroy();
  };
  const forget = closeOnInterrupt(close);
  try {
    for (const key of options.sides) {
      progress(`service tier: starting ${key}`);
      const side = await startSide(key, slapd, postgres);
      sides.push(side);
      await side.burst(WARMUP, 0);
    }
    const samples = new Map<ServiceSide, number[]>(sides.map((side) => [side.key, []]));
    const bursts = new Map<ServiceSide, { commands: number; spanMs: number; cpuMs: number }>(sides.map((side) => [side.key, { commands: 0, spanMs: 0, cpuMs: 0 }]));
    const sequentialBlocks = blockSizes(options.sequential, options.rounds);
    const burstBlocks = blockSizes(options.burst, options.rounds);
    let first = 0;
    for (let block = 0; block < Math.max(sequentialBlocks.length, burstBlocks.length); block++) {
      const order = block % 2 === 0 ? sides : [...sides].reverse();
      progress(`service tier: block ${block + 1} of ${Math.max(sequentialBlocks.length, burstBlocks.length)} (${order.map((side) => side.key).join(', ')})`);
      for (const side of order) {
        samples.get(side.key)!.push(...(await side.sequential(sequentialBlocks[block] ?? 0, first)));
        const count = burstBlocks[block] ?? 0;
        if (count === 0) continue;
        const run = await side.burst(count, first);
        const pooled = bursts.get(side.key)!;
        pooled.commands += count;
        pooled.spanMs += run.spanMs;
        pooled.cpuMs += run.cpuMs;
      }
      first += (sequentialBlocks[block] ?? 0) + (burstBlocks[block] ?? 0);
    }
    const rows: ServiceTierRow[] = sides.map((side) => {
      const burst = bursts.get(side.key)!;
      return {
        key: side.key,
        name: side.name,
        latency: summarizeLatency(samples.get(side.key)!),
        burstCommands: burst.commands,
        commandsPerSecond: round((burst.commands * 1000) / burst.spanMs, 0),
        cpuMsPerCommand: round(burst.cpuMs / burst.commands, 3),
      };
    });
    return { sequential: options.sequential, burst: options.burst, rounds: options.rounds, rows };
  } finally {
    forget();
    await close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sequential: { type: 'string', default: '100' },
      burst: { type: 'string', default: '600' },
      rounds: { type: 'string', default: '4' },
      sides: { type: 'string', default: SERVICE_SIDES.join(',') },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const sequential = Number(values.sequential);
  const burst = Number(values.burst);
  const rounds = Number(values.rounds);
  if (![sequential, burst, rounds].every((n) => Number.isInteger(n) && n >= 1)) throw new Error('--sequential, --burst and --rounds take positive integers');
  const sides = values.sides.split(',').map((part) => part.trim());
  for (const side of sides) if (!(SERVICE_SIDES as readonly string[]).includes(side)) throw new Error(`unknown side ${side}; one of ${SERVICE_SIDES.join(', ')}`);
  const progress = (line: string): void => void process.stderr.write(`[bench:service ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const report = await runServiceTier({ sequential, burst, rounds, sides: sides as ServiceSide[] }, progress);
  const verdicts = serviceTierVerdicts(report);
  process.stdout.write(`${serviceTierMarkdown(report)}\n\n${verdicts.map((v) => `- ${v.pass ? 'PASS' : 'MISS'} ${v.target}: ${v.value}`).join('\n')}\n`);
  const outDir = resolve(ROOT, values.out);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `service-${new Date().toISOString().replaceAll(':', '-')}.json`), `${JSON.stringify({ ...report, verdicts }, null, 2)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
