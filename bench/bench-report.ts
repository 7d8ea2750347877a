import type { LatencySummary } from './percentiles.js';
import type { MachineInfo } from './machine-info.js';
import type { ServiceTierReport } from './service-tier-report.js';

/** The JSON the bench writes (bench-results/bench-<time>.json and latest.json). */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  /** Load average when the bench ended (the start is in `machine`). */
  loadAverageAtEnd: [number, number, number];
  options: Record<string, unknown>;
  agentLaunch: 'compiled' | 'tsx';
  /**
   * The agent's unavoidable CPU per command (parse, validate, signature check, open the sealed
   * secret, sign the result), timed in the bench process at its start and end (bench/crypto-floor.ts);
   * null with --floor-commands 0. Issue 9's targets assumed about 265 µs.
   */
  cryptoFloor: { startUs: number; endUs: number; commands: number } | null;
  directories: DirectoryReport[];
  durability: DurabilityReport | null;
  memory: MemoryReport | null;
  scale: ScaleReport[];
  /** The reset service tier (issue 23); null with --service-burst 0. */
  serviceTier: ServiceTierReport | null;
  verdicts: Verdict[];
}

export interface ThroughputFigures {
  commands: number;
  ok: number;
  /** Result codes other than OK, counted. */
  failures: Record<string, number>;
  /** The message of the first non-OK result (no secrets: results never carry them). */
  firstFailure: string | null;
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
  /** Agent user + system CPU over the run, per command (µs). */
  cpuUsPerCommand: number;
  /** The main thread's part (the event loop, what bounds one agent's throughput); the rest: libuv's pool for fsync, GC and compiler threads. */
  mainThreadCpuUsPerCommand: number;
  /** The kernel's share of that CPU time (socket and file writes, wake-ups). */
  cpuSystemShare: number;
}

export interface DirectoryReport {
  key: string;
  name: string;
  users: number;
  maxInFlight: number;
  connections: number;
  /** Blocks per side: the agent and the baseline ran alternately, ABBA (bench/paired-rounds.ts), figures pooled. */
  rounds: number;
  agent: ThroughputFigures;
  baseline: { operations: number; failed: number; seconds: number; perSecond: number; latency: LatencySummary; clientCpuUsPerOperation: number };
  /** agent commands per second / baseline operations per second. */
  ratio: number;
  ldapmodify: { operations: number; seconds: number; perSecond: number } | null;
  /** Latency at a steady rate (service send to verified result; baseline: lookup + write). */
  steady: { rate: number; agent: LatencySummary; baseline: LatencySummary; addedP99Ms: number; agentFailures: Record<string, number> };
  /** Directory server CPU per agent command (µs), where its pid is known. */
  serverCpuUsPerCommand: number | null;
  /** The bench process (service-sim sending commands, verifying and acknowledging results) during the agent's saturation run. */
  serviceCpuUsPerCommand: number;
}

export interface DurabilityReport {
  directory: string;
  commands: number;
  withFsyncPerSecond: number;
  withoutFsyncPerSecond: number;
  /** 1 - with / without. */
  cost: number;
  /** Agent CPU per command (µs) of each, to tell a CPU cost from a wait. */
  withFsyncCpuUsPerCommand: number;
  withoutFsyncCpuUsPerCommand: number;
}

export interface MemoryReport {
  idleRssMb: number;
  afterWarmupRssMb: number;
  peakRssMb: number;
  soakCommands: number;
  afterSoakRssMb: number;
  /** After the soak minus just before it (after the throughput and latency runs). */
  growthMb: number;
  /** After the soak minus after the warm-up: what the 10 MB target is judged on. */
  growthSinceWarmupMb: number;
  /** Commands between the warm-up and the end of the soak (throughput and latency runs, then the soak). */
  commandsSinceWarmup: number;
  commandsBeforeSoak: number;
  rssBeforeSoakMb: number;
}

export interface ScaleReport {
  users: number;
  commands: number;
  perSecond: number;
  cpuUsPerCommand: number;
  p50Ms: number;
  p99Ms: number;
}

export interface Verdict {
  target: string;
  value: string;
  pass: boolean;
}
