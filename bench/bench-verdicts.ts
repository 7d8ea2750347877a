import type { BenchReport, Verdict } from './bench-report.js';
import { serviceTierVerdicts } from './service-tier-report.js';

/** The targets of issue 9 and issue 23's service tier, judged on one report. Missing figures (scenario not run) give no line. */
export function benchVerdicts(report: Omit<BenchReport, 'verdicts'>): Verdict[] {
  const verdicts: Verdict[] = [];
  const add = (target: string, value: string, pass: boolean): void => void verdicts.push({ target, value, pass });
  for (const d of report.directories) {
    if (d.agent.ok < d.agent.commands) add(`${d.key}: every command succeeded`, `${d.agent.ok} of ${d.agent.commands} OK (first failure: ${d.agent.firstFailure ?? '-'})`, false);
  }
  const byKey = new Map(report.directories.map((d) => [d.key, d]));

  const samba = byKey.get('samba');
  if (samba !== undefined) {
    add('Samba AD: agent throughput >= 95% of raw ldapts', `${pct(samba.ratio)} (${samba.agent.perSecond}/s vs ${samba.baseline.perSecond}/s)`, samba.ratio >= 0.95);
    add(`Samba AD: p99 added latency <= 3 ms (at ${samba.steady.rate}/s)`, `${samba.steady.addedP99Ms} ms`, samba.steady.addedP99Ms <= 3);
  }
  const slapd = byKey.get('slapd-nosync');
  if (slapd !== undefined) {
    add('slapd (fsync off): >= 1500 commands/s through one agent', `${slapd.agent.perSecond}/s (ratio to raw ${pct(slapd.ratio)})`, slapd.agent.perSecond >= 1500);
    const floor = report.cryptoFloor === null ? '' : ` (the unavoidable work took ${floorRange(report.cryptoFloor)} µs on this machine in this run; the target assumed about 265)`;
    add('slapd (fsync off): agent CPU per command <= 500 µs', `${slapd.agent.cpuUsPerCommand} µs${floor}`, slapd.agent.cpuUsPerCommand <= 500);
  }
  for (const d of report.directories) {
    if (d.key === 'samba') continue;
    add(`${d.key}: p99 added latency at ${d.steady.rate}/s <= 5 ms`, `${d.steady.addedP99Ms} ms (agent p99 ${d.steady.agent.p99}, baseline ${d.steady.baseline.p99})`, d.steady.addedP99Ms <= 5);
  }
  if (report.memory !== null) {
    add('Idle RSS <= 80 MB', `${report.memory.idleRssMb} MB`, report.memory.idleRssMb <= 80);
    if (report.memory.soakCommands > 0) {
      const m = report.memory;
      add(
        `RSS growth from after warm-up to after a ${m.soakCommands}-command soak (${m.commandsSinceWarmup} commands) <= 10 MB`,
        `${m.growthSinceWarmupMb} MB (${m.afterWarmupRssMb} -> ${m.afterSoakRssMb}; over the soak alone ${m.growthMb} MB from ${m.rssBeforeSoakMb})`,
        m.growthSinceWarmupMb <= 10,
      );
    }
  }
  if (report.durability !== null) {
    add(
      'Durability (journal + audit fsync) costs <= 10% of throughput',
      `${pct(report.durability.cost)} (${report.durability.withFsyncPerSecond}/s vs ${report.durability.withoutFsyncPerSecond}/s)`,
      report.durability.cost <= 0.1,
    );
  }
  if (report.scale.length >= 2) {
    const first = report.scale[0];
    const last = report.scale[report.scale.length - 1];
    if (first !== undefined && last !== undefined) {
      const growth = last.cpuUsPerCommand / Math.max(1, first.cpuUsPerCommand);
      add(`Scale: agent CPU per command flat from ${first.users} to ${last.users} users (within 1.5x)`, `${first.cpuUsPerCommand} -> ${last.cpuUsPerCommand} µs`, growth <= 1.5);
    }
  }
  if (report.serviceTier !== null) verdicts.push(...serviceTierVerdicts(report.serviceTier));
  return verdicts;
}

export function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

/** `a-b` from the lower to the higher of the crypto floor's two timings, or one figure when they agree. */
export function floorRange(floor: { startUs: number; endUs: number }): string {
  const [low, high] = floor.startUs <= floor.endUs ? [floor.startUs, floor.endUs] : [floor.endUs, floor.startUs];
  return low === high ? `${low}` : `${low}-${high}`;
}
