import type { Verdict } from './bench-report.js';
import type { LatencySummary } from './percentiles.js';

/** The service tier's keys, the baseline first; the targets compare `sqlite` (the default settings) with `service-sim`. */
export const SERVICE_SIDES = ['service-sim', 'sqlite', 'sqlite-normal', 'postgres-1', 'postgres-2'] as const;
export type ServiceSide = (typeof SERVICE_SIDES)[number];

/** One way of running the reset service, pooled over its alternating blocks. */
export interface ServiceTierRow {
  key: ServiceSide;
  name: string;
  /** Submission (admin API; service-sim: its in-process API) to the stored result, one command at a time. */
  latency: LatencySummary;
  /** Commands in the bursts, all blocks together. */
  burstCommands: number;
  /** Burst commands over the burst blocks' time (first submission to last stored result in each). */
  commandsPerSecond: number;
  /** CPU of the service's processes (service-sim: the bench process hosting it) over the bursts, per command. */
  cpuMsPerCommand: number;
}

/** `npm run bench`'s service section and `npm run bench:service`'s JSON. */
export interface ServiceTierReport {
  sequential: number;
  burst: number;
  rounds: number;
  rows: ServiceTierRow[];
}

/** Issue 23's targets, judged on one run; none when a side is missing. */
export function serviceTierVerdicts(report: ServiceTierReport): Verdict[] {
  const sim = report.rows.find((row) => row.key === 'service-sim');
  const sqlite = report.rows.find((row) => row.key === 'sqlite');
  if (sim === undefined || sqlite === undefined) return [];
  const ratio = sqlite.commandsPerSecond / sim.commandsPerSecond;
  return [
    {
      target: 'Service: CPU per command of a SQLite node <= 2x service-sim (same run)',
      value: `${sqlite.cpuMsPerCommand} ms vs ${sim.cpuMsPerCommand} ms (${round(sqlite.cpuMsPerCommand / sim.cpuMsPerCommand, 2)}x)`,
      pass: sqlite.cpuMsPerCommand <= 2 * sim.cpuMsPerCommand,
    },
    {
      target: 'Service: throughput on SQLite >= 80% of service-sim (same run)',
      value: `${Math.round(ratio * 1000) / 10}% (${sqlite.commandsPerSecond}/s vs ${sim.commandsPerSecond}/s)`,
      pass: ratio >= 0.8,
    },
  ];
}

/** The section's Markdown: how it ran, then one row per side. */
export function serviceTierMarkdown(report: ServiceTierReport): string {
  const lines = [
    `Reset service tier: one agent process on slapd (getAccountState), ${report.sequential} commands one at a time and a burst of ${report.burst} per side, in ${report.rounds} alternating blocks (order reversed every other block), figures pooled. Latency is from submission at the admin API to the stored result (service-sim: from its in-process issueCommand, an insert into the in-memory database, to the stored result).`,
    '',
    '| service | p50 ms | p99 ms | burst commands/s | service CPU ms/command |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of report.rows) lines.push(`| ${row.name} | ${row.latency.p50} | ${row.latency.p99} | ${row.commandsPerSecond} | ${row.cpuMsPerCommand} |`);
  return lines.join('\n');
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
