import { setTimeout as delay } from 'node:timers/promises';
import type { CommandSpec, PreparedCommand, ServiceSim } from '../service-sim/index.js';
import type { BenchAgent } from './bench-agent.js';
import { benchPassword, type BenchTarget } from './bench-target.js';
import type { ThroughputFigures } from './bench-report.js';
import type { ProcessStats } from './process-stats.js';
import { summarizeLatency } from './percentiles.js';

/** Saturation: everything queued at once (the service's flow control keeps maxInFlight out); rate: a steady pace. */
export type LoadShape = { kind: 'saturate' } | { kind: 'rate'; perSecond: number };

/** One load run: the figures the report keeps (ThroughputFigures), and what the bench uses besides. */
export interface AgentLoadResult extends ThroughputFigures {
  /**
   * The bench process (service-sim sending, verifying and acknowledging; the next batch's frames
   * prepared when `count` exceeds one batch) over the same window.
   */
  serviceCpuUsPerCommand: number;
  /** Agent RSS at the end of the run and its peak so far (MB). */
  rssMb: number;
  peakRssMb: number;
  /** Raw latencies (ms) for the chart; not written to the JSON. */
  samples: number[];
}

export interface LoadContext {
  service: ServiceSim;
  agent: BenchAgent;
  tenantId: string;
  target: BenchTarget;
  /** Distinguishes the passwords of one run from another's (history). */
  runTag: string;
}

/** A prime stride, so consecutive commands hit users spread over the whole directory, each once per cycle. */
const USER_STRIDE = 7919;

/** The user of the `index`-th command: distinct users (round robin when there are fewer users than commands). */
export function userAt(users: readonly string[], index: number): string {
  const stride = users.length % USER_STRIDE === 0 ? 1 : USER_STRIDE;
  return users[(index * stride) % users.length] ?? '';
}

/** `count` resetPassword specs over distinct users. */
export function resetSpecs(ctx: LoadContext, count: number, offset = 0): CommandSpec[] {
  const { target } = ctx;
  return Array.from({ length: count }, (_, i) => ({
    tenantId: ctx.tenantId,
    agentId: ctx.agent.agentId,
    op: 'resetPassword',
    target: { by: target.targetBy, value: userAt(target.users, offset + i) },
    params: { enforceMinimumAge: false },
    secret: { newPassword: benchPassword(ctx.runTag, offset + i) },
    // The protocol's longest lifetime is 15 minutes; a prepared batch must be used within it.
    ttlMs: 14 * 60 * 1000,
  }));
}

const MB = 1024 * 1024;

/**
 * Sends `count` resetPassword commands through the agent and measures, per command, the time from
 * the service writing the frame to it verifying the result. Frames are signed and sealed before
 * the clock starts (in batches of `batchSize`, the next batch built while the previous one runs).
 * The users are those from `firstIndex` on in userAt's order.
 */
export async function runAgentLoad(ctx: LoadContext, count: number, shape: LoadShape, options: { firstIndex?: number; batchSize?: number } = {}): Promise<AgentLoadResult> {
  const { firstIndex = 0, batchSize = 5_000 } = options;
  const { service, agent } = ctx;
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  const failures: Record<string, number> = {};
  let ok = 0;
  let received = 0;
  let firstFailure: string | null = null;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const sent = service.on('commandSent', (event) => {
    if (!event.redelivery) sentAt.set(event.commandId, performance.now());
  });
  // Prepared frames go out raw: the service acknowledges their results without storing them (it never issued these ids).
  const results = service.on('unstoredResult', (event) => {
    const start = sentAt.get(event.result.commandId);
    if (start === undefined) return;
    sentAt.delete(event.result.commandId);
    samples.push(performance.now() - start);
    if (event.result.code === 'OK') ok++;
    else {
      failures[event.result.code] = (failures[event.result.code] ?? 0) + 1;
      firstFailure ??= `${event.result.code}: ${event.result.message}`;
    }
    if (++received === count) finish();
  });
  try {
    let prepared = await service.prepareCommands(resetSpecs(ctx, Math.min(batchSize, count), firstIndex));
    let built = prepared.length;
    const before = agent.stats();
    const serviceBefore = process.cpuUsage();
    const started = performance.now();
    while (prepared.length > 0) {
      const batch = prepared;
      if (shape.kind === 'saturate') {
        service.sendPrepared(batch);
      } else {
        await pace(service, batch, shape.perSecond);
      }
      const next = Math.min(batchSize, count - built);
      prepared = next > 0 ? await service.prepareCommands(resetSpecs(ctx, next, firstIndex + built)) : [];
      built += next;
      // Keep at most about two batches outstanding, so prepared frames do not pile up in memory.
      while (prepared.length > 0 && service.pendingCommands > batchSize) await delay(5);
    }
    await withDeadline(finished, Math.max(120_000, count * 50), () => `${received} of ${count} results arrived`);
    const seconds = (performance.now() - started) / 1000;
    const after = agent.stats();
    const serviceCpu = process.cpuUsage(serviceBefore);
    return {
      commands: count,
      ok,
      failures,
      firstFailure,
      seconds: round(seconds, 3),
      perSecond: round(count / seconds, 1),
      latency: summarizeLatency(samples),
      ...agentCpuFigures(before, after, count),
      serviceCpuUsPerCommand: round((serviceCpu.user + serviceCpu.system) / count, 1),
      rssMb: round(after.rssBytes / MB, 1),
      peakRssMb: round(after.peakRssBytes / MB, 1),
      samples,
    };
  } finally {
    sent.dispose();
    results.dispose();
  }
}

/** The agent's CPU per command between two readings of its /proc figures. */
export function agentCpuFigures(before: ProcessStats, after: ProcessStats, count: number): Pick<ThroughputFigures, 'cpuUsPerCommand' | 'mainThreadCpuUsPerCommand' | 'cpuSystemShare'> {
  return {
    cpuUsPerCommand: round(((after.cpuMs - before.cpuMs) * 1000) / count, 1),
    mainThreadCpuUsPerCommand: round(((after.mainThreadCpuMs - before.mainThreadCpuMs) * 1000) / count, 1),
    cpuSystemShare: round((after.systemMs - before.systemMs) / Math.max(1, after.cpuMs - before.cpuMs), 3),
  };
}

/** Sends one prepared command at a time on a fixed schedule (catching up after a late timer). */
async function pace(service: ServiceSim, batch: readonly PreparedCommand[], perSecond: number): Promise<void> {
  const started = performance.now();
  let next = 0;
  while (next < batch.length) {
    const due = Math.min(batch.length, Math.floor(((performance.now() - started) / 1000) * perSecond) + 1);
    if (due > next) {
      service.sendPrepared(batch.slice(next, due));
      next = due;
    }
    await delay(Math.max(1, Math.floor(1000 / perSecond / 2)));
  }
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export async function withDeadline<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
