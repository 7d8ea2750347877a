import type { BenchReport } from './bench-report.js';
import { floorRange, pct } from './bench-verdicts.js';
import { serviceTierMarkdown } from './service-tier-report.js';

/** The report as Markdown: machine, one row per directory, memory, durability, scale, the service tier, verdicts. */
export function reportMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push(
    `Machine: ${m.cpuModel}, ${m.nproc} cores, ${m.memoryGb} GB, Linux ${m.kernel}, Node ${m.node}; load average ${m.loadAverage.join(' ')} at start, ${report.loadAverageAtEnd.join(' ')} at end (${report.startedAt}). Agent: ${report.agentLaunch} CLI as its own process.`,
  );
  if (report.cryptoFloor !== null)
    lines.push(
      `The agent's unavoidable work per command (parse, validate, Ed25519 check, open the sealed secret, sign the result: bench/crypto-floor.ts, ${report.cryptoFloor.commands} frames in the bench's process) took ${report.cryptoFloor.startUs} µs of CPU at the start and ${report.cryptoFloor.endUs} at the end (${floorRange(report.cryptoFloor)}); issue 9's targets assumed about 265 µs. Read the agent's CPU figures next to it: this VM's speed swings by tens of per cent.`,
    );
  const rounds = report.directories[0]?.rounds;
  if (rounds !== undefined && rounds > 1)
    lines.push(
      `The agent and the raw baseline ran in ${rounds} alternating blocks each (agent, baseline, baseline, agent, ...), their figures pooled: a machine that speeds up or slows down during the run does so for both.`,
    );
  lines.push('');
  lines.push(
    '| directory | agent cmd/s | raw ldapts op/s | ratio | ldapmodify op/s | agent CPU µs/cmd (main thread) | raw client CPU µs/op | server CPU µs/cmd | steady rate | agent p50 / p95 / p99 / max ms | baseline p50 / p95 / p99 / max ms | added p99 ms | saturation agent p50 / p99 ms | saturation baseline p50 / p99 ms |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|---|');
  for (const d of report.directories) {
    const s = d.steady;
    lines.push(
      `| ${d.name} | ${d.agent.perSecond} | ${d.baseline.perSecond} | ${pct(d.ratio)} | ${d.ldapmodify?.perSecond ?? '-'} | ${d.agent.cpuUsPerCommand} (${d.agent.mainThreadCpuUsPerCommand ?? '-'}) | ${d.baseline.clientCpuUsPerOperation} | ${d.serverCpuUsPerCommand ?? '-'} | ${s.rate}/s | ${four(s.agent)} | ${four(s.baseline)} | ${s.addedP99Ms} | ${d.agent.latency.p50} / ${d.agent.latency.p99} | ${d.baseline.latency.p50} / ${d.baseline.latency.p99} |`,
    );
  }
  lines.push('');
  for (const d of report.directories) {
    if (d.serverCpuUsPerCommand === null) continue;
    const total = d.agent.cpuUsPerCommand + d.serverCpuUsPerCommand + d.serviceCpuUsPerCommand;
    lines.push(
      `CPU per command at saturation, ${d.name}: agent ${d.agent.cpuUsPerCommand} + directory ${d.serverCpuUsPerCommand} + service-sim ${d.serviceCpuUsPerCommand} = ${round1(total)} µs, so ${m.nproc} cores carry at most ${Math.round((m.nproc * 1_000_000) / total)} commands/s with all three on this machine.`,
    );
  }
  if (report.memory !== null) {
    const mem = report.memory;
    lines.push('');
    lines.push(
      `Agent RSS (slapd run): idle ${mem.idleRssMb} MB, after warm-up ${mem.afterWarmupRssMb} MB, before soak ${mem.rssBeforeSoakMb} MB (after ${mem.commandsBeforeSoak} commands), after ${mem.soakCommands} more ${mem.afterSoakRssMb} MB (growth ${mem.growthSinceWarmupMb} MB since warm-up over ${mem.commandsSinceWarmup} commands, ${mem.growthMb} MB over the soak), peak ${mem.peakRssMb} MB.`,
    );
  }
  if (report.durability !== null) {
    const d = report.durability;
    lines.push('');
    lines.push(
      `Durability (${d.directory}, ${d.commands} commands through each of two agents, alternating): with the journal's and audit log's fsync ${d.withFsyncPerSecond}/s, without ${d.withoutFsyncPerSecond}/s: costs ${pct(d.cost)}; agent CPU per command ${d.withFsyncCpuUsPerCommand} µs with, ${d.withoutFsyncCpuUsPerCommand} without.`,
    );
  }
  if (report.scale.length > 0) {
    lines.push('');
    lines.push('| users in slapd | agent cmd/s | agent CPU µs/cmd | p50 ms | p99 ms |');
    lines.push('|---:|---:|---:|---:|---:|');
    for (const s of report.scale) lines.push(`| ${s.users} | ${s.perSecond} | ${s.cpuUsPerCommand} | ${s.p50Ms} | ${s.p99Ms} |`);
  }
  if (report.serviceTier !== null) {
    lines.push('');
    lines.push(serviceTierMarkdown(report.serviceTier));
  }
  lines.push('');
  for (const v of report.verdicts) lines.push(`- ${v.pass ? 'PASS' : 'MISS'} ${v.target}: ${v.value}`);
  return lines.join('\n');
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function four(l: { p50: number; p95: number; p99: number; max: number }): string {
  return `${l.p50} / ${l.p95} / ${l.p99} / ${l.max}`;
}
