import { round, type AgentLoadResult } from './agent-load.js';
import type { BaselineResult } from './ldap-baseline.js';
import { summarizeLatency } from './percentiles.js';

/**
 * The agent and its baseline are measured in alternating blocks, in ABBA order (agent, baseline,
 * then baseline, agent, and again), and each side's figures are pooled over its blocks. On this
 * shared VM the machine's speed drifts by 10-70% within minutes: run one after the other, whichever
 * side ran in the slower stretch lost (Samba's throughput ratio came out 85% and 106% in two runs of
 * the same code). Alternating, a drift slows both sides alike; ABBA also cancels a steady trend.
 */

/** `total` split into `rounds` blocks as even as possible (larger first); never an empty block. */
export function blockSizes(total: number, rounds: number): number[] {
  const count = Math.max(1, Math.min(rounds, total));
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) => base + (i < total % count ? 1 : 0));
}

export interface PairedRuns<A, B> {
  agent: A[];
  baseline: B[];
}

/**
 * Runs `total` operations on each side in `rounds` alternating blocks. Block i covers the same
 * users on both sides (`firstIndex` is where it starts in the user order), so both sides touch each
 * user equally often whatever the split.
 */
export async function alternate<A, B>(
  total: number,
  rounds: number,
  runAgent: (count: number, firstIndex: number) => Promise<A>,
  runBaseline: (count: number, firstIndex: number) => Promise<B>,
): Promise<PairedRuns<A, B>> {
  const runs: PairedRuns<A, B> = { agent: [], baseline: [] };
  let firstIndex = 0;
  for (const [i, count] of blockSizes(total, rounds).entries()) {
    const agentFirst = i % 2 === 0;
    if (agentFirst) runs.agent.push(await runAgent(count, firstIndex));
    runs.baseline.push(await runBaseline(count, firstIndex));
    if (!agentFirst) runs.agent.push(await runAgent(count, firstIndex));
    firstIndex += count;
  }
  return runs;
}

/** Weighted by each run's count: a per-operation figure of the pooled runs. */
function perOperation<T>(runs: readonly T[], count: (run: T) => number, value: (run: T) => number, digits = 1): number {
  const total = runs.reduce((sum, run) => sum + count(run), 0);
  return total === 0 ? 0 : round(runs.reduce((sum, run) => sum + value(run) * count(run), 0) / total, digits);
}

/** The agent's blocks as one run: counts and seconds add up, latencies are pooled, CPU is per command over all. */
export function poolAgentRuns(runs: readonly AgentLoadResult[]): AgentLoadResult {
  const first = runs[0];
  if (first === undefined) throw new Error('poolAgentRuns: no runs');
  const commands = runs.reduce((sum, run) => sum + run.commands, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const failures: Record<string, number> = {};
  for (const run of runs) for (const [code, n] of Object.entries(run.failures)) failures[code] = (failures[code] ?? 0) + n;
  const samples = runs.flatMap((run) => run.samples);
  const byCommands = (value: (run: AgentLoadResult) => number): number => perOperation(runs, (run) => run.commands, value);
  const cpuMs = (run: AgentLoadResult): number => run.cpuUsPerCommand * run.commands;
  return {
    commands,
    ok: runs.reduce((sum, run) => sum + run.ok, 0),
    failures,
    firstFailure: runs.find((run) => run.firstFailure !== null)?.firstFailure ?? null,
    seconds: round(seconds, 3),
    perSecond: round(commands / seconds, 1),
    latency: summarizeLatency(samples),
    cpuUsPerCommand: byCommands((run) => run.cpuUsPerCommand),
    mainThreadCpuUsPerCommand: byCommands((run) => run.mainThreadCpuUsPerCommand),
    serviceCpuUsPerCommand: byCommands((run) => run.serviceCpuUsPerCommand),
    // The system share of all the CPU, not the mean of the blocks' shares.
    cpuSystemShare: perOperation(runs, cpuMs, (run) => run.cpuSystemShare, 3),
    rssMb: runs[runs.length - 1]?.rssMb ?? first.rssMb,
    peakRssMb: Math.max(...runs.map((run) => run.peakRssMb)),
    samples,
  };
}

/** The baseline's blocks as one run, pooled the same way. */
export function poolBaselineRuns(runs: readonly BaselineResult[]): BaselineResult {
  if (runs.length === 0) throw new Error('poolBaselineRuns: no runs');
  const operations = runs.reduce((sum, run) => sum + run.operations, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const samples = runs.flatMap((run) => run.samples);
  return {
    operations,
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
    seconds: round(seconds, 3),
    perSecond: round(operations / seconds, 1),
    latency: summarizeLatency(samples),
    clientCpuUsPerOperation: perOperation(
      runs,
      (run) => run.operations,
      (run) => run.clientCpuUsPerOperation,
    ),
    samples,
  };
}
