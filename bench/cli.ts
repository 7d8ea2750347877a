/**
 * `npm run bench`: the agent against raw LDAP, side by side (issue 9), then the reset service
 * against service-sim (issue 23, bench/service-tier.ts). Prints a Markdown table and
 * PASS/MISS lines, writes bench-results/bench-<time>.json and latest.json (+ .md), and the latency
 * chart (docs/bench-latency.svg unless --no-chart). Not part of `npm test`; CI does not run it.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AgentLaunch } from './bench-agent.js';
import { parseBenchOptions, UsageError, type BenchOptions } from './bench-options.js';
import type { BenchReport } from './bench-report.js';
import { benchVerdicts } from './bench-verdicts.js';
import { measureCryptoFloor } from './crypto-floor.js';
import { latencyChartSvg } from './latency-chart.js';
import { machineInfo } from './machine-info.js';
import { reportMarkdown } from './report-table.js';
import { runBench } from './run-bench.js';
import { runServiceTier } from './service-tier.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/**
 * Compiles the agent as `npm run build` does (what an install runs), inside the project so that
 * its imports find node_modules whatever --out says.
 */
async function compiledAgent(): Promise<string> {
  const buildDir = join(ROOT, '.tmp', 'bench-build');
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', buildDir], { cwd: ROOT });
  return join(buildDir, 'agent/cli/bin.js');
}

export async function benchMain(argv: string[]): Promise<BenchReport> {
  const options: BenchOptions = parseBenchOptions(argv);
  const outDir = resolve(ROOT, options.outDir);
  await mkdir(outDir, { recursive: true });
  const progress = (line: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  progress(`${machine.cpuModel}, ${machine.nproc} cores, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`);
  let compiledBin: string | null = null;
  if (!options.tsx) {
    progress('compiling the agent (tsconfig.build.json)');
    compiledBin = await compiledAgent();
  }
  const launch: AgentLaunch = { compiledBin, cpuProfDir: options.cpuProfDir === null ? null : resolve(options.cpuProfDir), nodeFlags: options.nodeFlags };
  const floorAtStart = timeCryptoFloor(options, progress, 'start');
  const outcome = await runBench(options, launch, progress);
  const serviceTier =
    options.serviceBurst === 0 ? null : await runServiceTier({ sequential: options.serviceSequential, burst: options.serviceBurst, rounds: options.rounds, sides: options.serviceSides }, progress);
  const floorAtEnd = timeCryptoFloor(options, progress, 'end');
  const partial: Omit<BenchReport, 'verdicts'> = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverageAtEnd: machineInfo().loadAverage,
    options: { ...options },
    agentLaunch: options.tsx ? 'tsx' : 'compiled',
    cryptoFloor: floorAtStart === null || floorAtEnd === null ? null : { startUs: floorAtStart, endUs: floorAtEnd, commands: options.floorCommands },
    directories: outcome.directories,
    durability: outcome.durability,
    memory: outcome.memory,
    scale: outcome.scale,
    serviceTier,
  };
  const report: BenchReport = { ...partial, verdicts: benchVerdicts(partial) };
  const markdown = reportMarkdown(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = startedAt.replace(/[:.]/g, '-');
  await writeFile(join(outDir, `bench-${stamp}.json`), json);
  await writeFile(join(outDir, 'latest.json'), json);
  await writeFile(join(outDir, 'latest.md'), `${markdown}\n`);
  if (options.chartFile !== null && outcome.samples.length > 0) {
    const chartFile = resolve(ROOT, options.chartFile);
    await mkdir(dirname(chartFile), { recursive: true });
    await writeFile(chartFile, latencyChartSvg(outcome.samples, `${machine.cpuModel}, ${machine.nproc} cores, Node ${machine.node}, ${startedAt.slice(0, 10)}`));
  }
  console.log(markdown);
  return report;
}

/** The crypto floor's µs per command now (null when --floor-commands is 0). */
function timeCryptoFloor(options: BenchOptions, progress: (line: string) => void, when: 'start' | 'end'): number | null {
  if (options.floorCommands === 0) return null;
  const { cpuUsPerCommand } = measureCryptoFloor(options.floorCommands, Math.ceil(options.floorCommands / 2));
  progress(`crypto floor at the ${when}: ${cpuUsPerCommand} µs of CPU per command (parse, signature check, sealed secret, signed result)`);
  return cpuUsPerCommand;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchMain(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(error instanceof UsageError ? 64 : 1);
    },
  );
}
