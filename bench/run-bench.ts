import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { ServiceSim } from '../service-sim/index.js';
import { testPki } from '../test/fixtures/slapd/tls.js';
import { agentCpuFigures, runAgentLoad, round, type AgentLoadResult, type LoadContext, type LoadShape } from './agent-load.js';
import { BenchAgent, type AgentLaunch } from './bench-agent.js';
import type { DirectoryKey, BenchOptions } from './bench-options.js';
import type { DirectoryReport, DurabilityReport, MemoryReport, ScaleReport, ThroughputFigures } from './bench-report.js';
import type { BenchTarget } from './bench-target.js';
import { runLdapBaseline } from './ldap-baseline.js';
import { runLdapmodifyStream } from './ldapmodify-stream.js';
import { closeOnInterrupt } from './interrupt-cleanup.js';
import { alternate, blockSizes, poolAgentRuns, poolBaselineRuns } from './paired-rounds.js';
import { processStats } from './process-stats.js';
import { directorySimTarget } from './targets/directory-sim-target.js';
import { sambaTarget } from './targets/samba-target.js';
import { slapdTarget } from './targets/slapd-target.js';

const TENANT = 'tenant-bench';
/**
 * Commands before anything is timed: V8 compiles the agent's hot paths on helper threads during
 * the first few thousand commands. With 200, a 5,000-command run on slapd counted 804 µs of CPU
 * per command and a 20,000-command run 674: the difference was mostly compilation (perf: 11% of
 * the agent's samples in V8's compiler threads). A service runs for days; the target is its
 * steady state.
 */
const WARMUP = 3_000;
const MB = 1024 * 1024;
/** Everything queued at once: throughput runs, warm-ups and the soak. */
const SATURATE: LoadShape = { kind: 'saturate' };

/** Latency samples of one directory, for the chart. */
export interface LatencySamples {
  name: string;
  rate: number;
  agent: number[];
  baseline: number[];
}

export interface BenchOutcome {
  directories: DirectoryReport[];
  durability: DurabilityReport | null;
  memory: MemoryReport | null;
  scale: ScaleReport[];
  samples: LatencySamples[];
}

type Progress = (line: string) => void;

/** The service, the launch settings and the options every scenario shares. */
interface BenchContext {
  service: ServiceSim;
  caFile: string;
  launch: AgentLaunch;
  options: BenchOptions;
  progress: Progress;
  runSeq: number;
}

/** Runs every scenario the options ask for, one directory at a time. */
export async function runBench(options: BenchOptions, launch: AgentLaunch, progress: Progress): Promise<BenchOutcome> {
  const pki = await testPki();
  const service = await ServiceSim.start({ tls: { cert: await readFile(pki.certFile), key: await readFile(pki.keyFile) }, recordTranscript: false });
  const ctx: BenchContext = { service, caFile: pki.caFile, launch, options, progress, runSeq: 0 };
  const outcome: BenchOutcome = { directories: [], durability: null, memory: null, scale: [], samples: [] };
  try {
    for (const key of options.directories) await benchDirectory(ctx, key, outcome);
    if (options.scaleSizes.length > 0) outcome.scale = await benchScale(ctx);
    return outcome;
  } finally {
    await service.stop();
  }
}

/** A directory server, stopped by close() or on Ctrl-C. */
async function makeTarget(ctx: BenchContext, key: DirectoryKey, users: number): Promise<BenchTarget> {
  return interruptible(await startTarget(ctx, key, users));
}

function interruptible(target: BenchTarget): BenchTarget {
  const forget = closeOnInterrupt(() => target.close());
  return { ...target, close: () => (forget(), target.close()) };
}

async function startTarget(ctx: BenchContext, key: DirectoryKey, users: number): Promise<BenchTarget> {
  const poolSize = ctx.options.connections;
  switch (key) {
    case 'samba':
      return sambaTarget({ userCount: users, poolSize });
    case 'slapd-nosync':
      return slapdTarget({ userCount: users, fsync: false, poolSize });
    case 'slapd-fsync':
      return slapdTarget({ userCount: users, fsync: true, poolSize });
    case 'directory-sim':
      return directorySimTarget(users, poolSize);
  }
}

async function startAgent(ctx: BenchContext, target: BenchTarget, fsync: boolean): Promise<BenchAgent> {
  const agent = await BenchAgent.create({ service: ctx.service, caFile: ctx.caFile, tenantId: TENANT, target, maxInFlight: ctx.options.maxInFlight, fsync, launch: ctx.launch });
  const forget = closeOnInterrupt(() => agent.destroy());
  try {
    await agent.start();
  } catch (error) {
    forget();
    await agent.destroy();
    throw error;
  }
  agent.onDestroy(forget);
  return agent;
}

function loadContext(ctx: BenchContext, agent: BenchAgent, target: BenchTarget): LoadContext {
  return { service: ctx.service, agent, tenantId: TENANT, target, runTag: `${Date.now().toString(36)}${ctx.runSeq++}` };
}

function figures(result: AgentLoadResult): ThroughputFigures {
  const { commands, ok, failures, firstFailure, seconds, perSecond, latency, cpuUsPerCommand, mainThreadCpuUsPerCommand, cpuSystemShare } = result;
  return { commands, ok, failures, firstFailure, seconds, perSecond, latency, cpuUsPerCommand, mainThreadCpuUsPerCommand, cpuSystemShare };
}

async function benchDirectory(ctx: BenchContext, key: DirectoryKey, outcome: BenchOutcome): Promise<void> {
  const { options, progress } = ctx;
  const commands = key === 'samba' ? options.sambaCommands : options.commands;
  // Samba does a few resets a second on a busy machine: a short warm-up there (the directory,
  // not the agent's CPU, is what its figures are about).
  const warmup = key === 'samba' ? Math.ceil(commands / 5) : WARMUP;
  const userCount = key === 'samba' ? Math.max(options.sambaCommands, 300) : Math.max(commands, 1_000);
  progress(`${key}: starting the directory with ${userCount} users`);
  const target = await makeTarget(ctx, key, userCount);
  try {
    const agent = await startAgent(ctx, target, true);
    try {
      // Idle: connected, the start-up permission check done.
      await delay(3_000);
      const idle = agent.stats();
      progress(`${key}: agent ${agent.pid} idle RSS ${round(idle.rssBytes / MB, 1)} MB; warm-up`);
      await runAgentLoad(loadContext(ctx, agent, target), warmup, SATURATE);
      // The memory target is judged from here: read it settled, as after the soak, not at the burst's peak.
      const measuresMemory = key === 'slapd-nosync';
      const afterWarmup = measuresMemory ? await settledStats(agent) : agent.stats();
      // Settling ends in the agent's memory-reducing collection, which undoes much of the warm-up
      // (the next 5,000 commands cost 600 µs of CPU each against 524-536 with this second warm-up,
      // in alternated runs): warm up again, so that the figures below are the steady state, as
      // they are for every other agent of the bench.
      const rewarm = measuresMemory ? warmup : 0;
      if (rewarm > 0) await runAgentLoad(loadContext(ctx, agent, target), rewarm, SATURATE);

      const { rounds } = options;
      const baselineRun = (shape: LoadShape) => (count: number, firstIndex: number) =>
        runLdapBaseline(target.baseline, target.users, { operations: count, connections: options.connections, concurrency: options.maxInFlight, shape, runTag: `b${ctx.runSeq++}`, firstIndex });

      progress(`${key}: ${commands} commands through the agent at saturation, and the raw ldapts baseline, in ${blockSizes(commands, rounds).length} alternating blocks each`);
      let serverCpuMs = 0;
      const agentBefore = agent.stats();
      const saturated = await alternate(
        commands,
        rounds,
        async (count, firstIndex) => {
          const serverBefore = target.serverPid === null ? 0 : processStats(target.serverPid).cpuMs;
          const run = await runAgentLoad(loadContext(ctx, agent, target), count, SATURATE, { firstIndex });
          if (target.serverPid !== null) serverCpuMs += processStats(target.serverPid).cpuMs - serverBefore;
          return run;
        },
        baselineRun(SATURATE),
      );
      // The agent's CPU over the whole alternation, not summed per block: /proc counts in 10 ms
      // ticks, too coarse for short blocks, and the agent does nothing else meanwhile (what it does
      // during a baseline block, a full collection say, is owed to its commands anyway).
      const through = { ...poolAgentRuns(saturated.agent), ...agentCpuFigures(agentBefore, agent.stats(), commands) };
      const baseline = poolBaselineRuns(saturated.baseline);
      const serviceCpuUsPerCommand = through.serviceCpuUsPerCommand;
      const serverCpuUsPerCommand = target.serverPid === null ? null : round((serverCpuMs * 1000) / commands, 1);
      progress(
        `${key}: agent ${through.perSecond}/s, ${through.cpuUsPerCommand} µs CPU per command (main thread ${through.mainThreadCpuUsPerCommand}, ${Math.round(through.cpuSystemShare * 100)}% system) (${through.ok} OK${describeFailures(through.failures)}${through.firstFailure === null ? '' : `; first: ${through.firstFailure}`}); baseline ${baseline.perSecond}/s`,
      );
      let ldapmodify: DirectoryReport['ldapmodify'] = null;
      if (target.ldapmodify !== undefined) {
        progress(`${key}: ldapmodify stream`);
        ldapmodify = await runLdapmodifyStream(target.ldapmodify, target.users, commands, `m${ctx.runSeq++}`);
      }

      // A steady rate the directory can take: Samba does about 30 a second.
      const rate = Math.max(1, Math.min(options.rate, Math.floor(baseline.perSecond * 0.5)));
      const steadyCount = Math.max(rate * options.rateSeconds, options.minSteady);
      const steadyShape: LoadShape = { kind: 'rate', perSecond: rate };
      progress(`${key}: ${steadyCount} commands at ${rate}/s, agent and baseline in alternating blocks`);
      const steadyRuns = await alternate(steadyCount, rounds, (count, firstIndex) => runAgentLoad(loadContext(ctx, agent, target), count, steadyShape, { firstIndex }), baselineRun(steadyShape));
      const agentSteady = poolAgentRuns(steadyRuns.agent);
      const baselineSteady = poolBaselineRuns(steadyRuns.baseline);

      outcome.directories.push({
        key,
        name: target.name,
        users: target.users.length,
        maxInFlight: options.maxInFlight,
        connections: options.connections,
        rounds: saturated.agent.length,
        agent: figures(through),
        baseline: {
          operations: baseline.operations,
          failed: baseline.failed,
          seconds: baseline.seconds,
          perSecond: baseline.perSecond,
          latency: baseline.latency,
          clientCpuUsPerOperation: baseline.clientCpuUsPerOperation,
        },
        ratio: round(through.perSecond / baseline.perSecond, 3),
        ldapmodify,
        steady: { rate, agent: agentSteady.latency, baseline: baselineSteady.latency, addedP99Ms: round(agentSteady.latency.p99 - baselineSteady.latency.p99, 3), agentFailures: agentSteady.failures },
        serverCpuUsPerCommand,
        serviceCpuUsPerCommand,
      });
      outcome.samples.push({ name: target.name, rate, agent: agentSteady.samples, baseline: baselineSteady.samples });

      if (measuresMemory) {
        const sent = warmup + rewarm + commands + steadyCount;
        outcome.memory = await benchMemory(ctx, agent, target, idle.rssBytes, afterWarmup.rssBytes, sent, warmup);
        outcome.durability = await benchDurability(ctx, target, commands);
      }
    } finally {
      await agent.destroy();
    }
  } finally {
    await target.close();
  }
}

/**
 * Steady-state RSS, then `soakCommands` more, then RSS again: growth that stays is a leak (or
 * retained state). Growth is reported from after the warm-up (the target) and over the soak alone.
 */
async function benchMemory(ctx: BenchContext, agent: BenchAgent, target: BenchTarget, idleBytes: number, warmBytes: number, sent: number, warmup: number): Promise<MemoryReport> {
  const soak = ctx.options.soakCommands;
  const before = agent.stats();
  let after = before;
  if (soak > 0) {
    ctx.progress(`memory: ${soak} more commands through the same agent`);
    await runAgentLoad(loadContext(ctx, agent, target), soak, SATURATE);
    after = await settledStats(agent);
  }
  return {
    idleRssMb: round(idleBytes / MB, 1),
    afterWarmupRssMb: round(warmBytes / MB, 1),
    peakRssMb: round(after.peakRssBytes / MB, 1),
    commandsBeforeSoak: sent,
    rssBeforeSoakMb: round(before.rssBytes / MB, 1),
    soakCommands: soak,
    afterSoakRssMb: round(after.rssBytes / MB, 1),
    growthMb: round((after.rssBytes - before.rssBytes) / MB, 1),
    growthSinceWarmupMb: round((after.rssBytes - warmBytes) / MB, 1),
    commandsSinceWarmup: sent - warmup + soak,
  };
}

/**
 * The agent's figures once it has settled after a burst: the journal's writes done and the agent
 * idle long enough to give memory back (a memory-reducing collection at its first 5-second look
 * with no command finished).
 */
async function settledStats(agent: BenchAgent): Promise<ReturnType<BenchAgent['stats']>> {
  await delay(12_000);
  return agent.stats();
}

/**
 * The throughput run through two fresh agents, one whose journal and audit log fsync and one whose
 * do not, both warmed up alike and taking the same commands in alternating blocks, as the agent and
 * the baseline do. Before, the cost was the ratio of two runs taken apart in time (2.0% to 10.1% in
 * four runs of the same code); measured against the agent that had just run the 50,000-command soak
 * it was 17%: the two sides must differ in nothing but the fsync.
 */
async function benchDurability(ctx: BenchContext, target: BenchTarget, commands: number): Promise<DurabilityReport> {
  ctx.progress(`durability: ${commands} commands through each of two fresh agents, with and without fsync, alternating`);
  const withFsync = await startAgent(ctx, target, true);
  try {
    const withoutFsync = await startAgent(ctx, target, false);
    try {
      for (const agent of [withFsync, withoutFsync]) await runAgentLoad(loadContext(ctx, agent, target), Math.min(WARMUP, commands), SATURATE);
      const through = (agent: BenchAgent) => (count: number, firstIndex: number) => runAgentLoad(loadContext(ctx, agent, target), count, SATURATE, { firstIndex });
      // `alternate` calls its sides agent and baseline: here the agent with fsync and the one without.
      const runs = await alternate(commands, ctx.options.rounds, through(withFsync), through(withoutFsync));
      const withRun = poolAgentRuns(runs.agent);
      const withoutRun = poolAgentRuns(runs.baseline);
      return {
        directory: target.name,
        commands,
        withFsyncPerSecond: withRun.perSecond,
        withoutFsyncPerSecond: withoutRun.perSecond,
        cost: round(1 - withRun.perSecond / withoutRun.perSecond, 3),
        withFsyncCpuUsPerCommand: withRun.cpuUsPerCommand,
        withoutFsyncCpuUsPerCommand: withoutRun.cpuUsPerCommand,
      };
    } finally {
      await withoutFsync.destroy();
    }
  } finally {
    await withFsync.destroy();
  }
}

/** Per-command cost with growing directories (slapd, fsync off): flat, or the lookup scans. */
async function benchScale(ctx: BenchContext): Promise<ScaleReport[]> {
  const reports: ScaleReport[] = [];
  for (const users of ctx.options.scaleSizes) {
    ctx.progress(`scale: slapd with ${users} users`);
    const target = interruptible(await slapdTarget({ userCount: users, fsync: false, poolSize: ctx.options.connections }));
    try {
      const agent = await startAgent(ctx, target, true);
      try {
        await runAgentLoad(loadContext(ctx, agent, target), Math.min(WARMUP, ctx.options.scaleCommands), SATURATE);
        const run = await runAgentLoad(loadContext(ctx, agent, target), ctx.options.scaleCommands, SATURATE);
        reports.push({ users, commands: run.commands, perSecond: run.perSecond, cpuUsPerCommand: run.cpuUsPerCommand, p50Ms: run.latency.p50, p99Ms: run.latency.p99 });
        ctx.progress(`scale: ${users} users: ${run.perSecond}/s, ${run.cpuUsPerCommand} µs CPU per command`);
      } finally {
        await agent.destroy();
      }
    } finally {
      await target.close();
    }
  }
  return reports;
}

function describeFailures(failures: Record<string, number>): string {
  const entries = Object.entries(failures);
  return entries.length === 0 ? '' : `, ${entries.map(([code, n]) => `${n} ${code}`).join(', ')}`;
}
