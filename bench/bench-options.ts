import { parseArgs } from 'node:util';
import { SERVICE_SIDES, type ServiceSide } from './service-tier-report.js';

export const DIRECTORY_KEYS = ['samba', 'slapd-nosync', 'slapd-fsync', 'directory-sim'] as const;
export type DirectoryKey = (typeof DIRECTORY_KEYS)[number];

export interface BenchOptions {
  /** Commands per throughput run on slapd and directory-sim (and baseline operations). */
  commands: number;
  /** The same on Samba, which does about 30 a second. */
  sambaCommands: number;
  /** Commands through one agent after the throughput runs, before "RSS after soak" (0: skip). Issue 9 asks for 50,000. */
  soakCommands: number;
  /** The steady rate of the latency runs, and how long they last. */
  rate: number;
  rateSeconds: number;
  /**
   * At least this many commands a side at the steady rate, however slow the rate: a p99 of 170
   * samples (Samba at 17/s for 10 s) is the second-slowest sample, and came out anywhere from
   * 1.5 to 9.8 ms added in five runs of the same code.
   */
  minSteady: number;
  /** Users in the directory for the scale runs (0 entries: skip), and commands per size. */
  scaleSizes: number[];
  scaleCommands: number;
  /** Agent limits.maxInFlight and the baseline's concurrency. */
  maxInFlight: number;
  /** Alternating blocks the agent's and the baseline's throughput and latency runs are split into (1: agent, then baseline). */
  rounds: number;
  /** Agent poolSize and the baseline's connection count. */
  connections: number;
  directories: DirectoryKey[];
  outDir: string;
  /** Also write an SVG chart and the README table (docs/). */
  chartFile: string | null;
  /** Run the agent from TypeScript under tsx instead of the compiled CLI. */
  tsx: boolean;
  /** Directory for the agent's --cpu-prof output, or null. */
  cpuProfDir: string | null;
  /** Extra node flags for the agent process (e.g. V8 heap sizes), to measure what they cost and save. */
  nodeFlags: string[];
  /** Frames for the crypto floor timed at the bench's start and end (bench/crypto-floor.ts; 0: skip). */
  floorCommands: number;
  /** The reset service tier (bench/service-tier.ts): commands one at a time and per burst, per side (burst 0: skip the tier). */
  serviceSequential: number;
  serviceBurst: number;
  serviceSides: ServiceSide[];
  quick: boolean;
}

export const USAGE = `npm run bench -- [--quick] [--commands N] [--samba-commands N] [--soak N] [--rate N] [--rate-seconds S] [--min-steady N]
  [--scale 1000,10000,100000 | --scale none] [--scale-commands N] [--rounds N] [--max-in-flight N] [--connections N]
  [--directories samba,slapd-nosync,slapd-fsync,directory-sim] [--out bench-results] [--chart docs/bench-latency.svg | --no-chart]
  [--tsx] [--cpu-prof DIR] [--node-flags='--max-semi-space-size=1 ...'] [--floor-commands N]
  [--service-sequential N] [--service-burst N | --service-burst 0] [--service-sides service-sim,sqlite,sqlite-normal,postgres-1,postgres-2]`;

/** Defaults finish in about nine minutes on two busy cores (a fifth of it the 50,000-command soak); --quick in about four. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      commands: { type: 'string' },
      'samba-commands': { type: 'string' },
      soak: { type: 'string' },
      rate: { type: 'string' },
      'rate-seconds': { type: 'string' },
      'min-steady': { type: 'string' },
      scale: { type: 'string' },
      'scale-commands': { type: 'string' },
      rounds: { type: 'string' },
      'max-in-flight': { type: 'string' },
      connections: { type: 'string' },
      directories: { type: 'string' },
      out: { type: 'string' },
      chart: { type: 'string' },
      'no-chart': { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'node-flags': { type: 'string' },
      'floor-commands': { type: 'string' },
      'service-sequential': { type: 'string' },
      'service-burst': { type: 'string' },
      'service-sides': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError(USAGE);
  const quick = values.quick;
  const int = (name: string, text: string | undefined, fallback: number, min = 0): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be an integer >= ${min}\n${USAGE}`);
    return value;
  };
  const scaleText = values.scale ?? (quick ? '1000,10000' : '1000,10000,100000');
  const scaleSizes = scaleText === 'none' ? [] : scaleText.split(',').map((part) => int('scale', part.trim(), 0, 1));
  const directories = (values.directories ?? DIRECTORY_KEYS.join(',')).split(',').map((part) => part.trim());
  for (const key of directories) {
    if (!(DIRECTORY_KEYS as readonly string[]).includes(key)) throw new UsageError(`unknown directory ${key}; one of ${DIRECTORY_KEYS.join(', ')}`);
  }
  const serviceSides = (values['service-sides'] ?? SERVICE_SIDES.join(',')).split(',').map((part) => part.trim());
  for (const side of serviceSides) {
    if (!(SERVICE_SIDES as readonly string[]).includes(side)) throw new UsageError(`unknown service side ${side}; one of ${SERVICE_SIDES.join(', ')}`);
  }
  return {
    commands: int('commands', values.commands, quick ? 500 : 5_000, 1),
    sambaCommands: int('samba-commands', values['samba-commands'], quick ? 60 : 300, 1),
    soakCommands: int('soak', values.soak, quick ? 5_000 : 50_000),
    rate: int('rate', values.rate, 100, 1),
    rateSeconds: int('rate-seconds', values['rate-seconds'], quick ? 3 : 10, 1),
    minSteady: int('min-steady', values['min-steady'], quick ? 100 : 500),
    scaleSizes,
    scaleCommands: int('scale-commands', values['scale-commands'], quick ? 200 : 1_000, 1),
    rounds: int('rounds', values.rounds, 4, 1),
    maxInFlight: int('max-in-flight', values['max-in-flight'], 32, 1),
    connections: int('connections', values.connections, 8, 1),
    directories: directories as DirectoryKey[],
    outDir: values.out ?? 'bench-results',
    chartFile: values['no-chart'] ? null : (values.chart ?? 'docs/bench-latency.svg'),
    tsx: values.tsx,
    cpuProfDir: values['cpu-prof'] ?? null,
    nodeFlags: (values['node-flags'] ?? '').split(' ').filter((flag) => flag !== ''),
    floorCommands: int('floor-commands', values['floor-commands'], quick ? 1_000 : 3_000),
    serviceSequential: int('service-sequential', values['service-sequential'], quick ? 40 : 100, 1),
    serviceBurst: int('service-burst', values['service-burst'], quick ? 300 : 600),
    serviceSides: serviceSides as ServiceSide[],
    quick,
  };
}

export class UsageError extends Error {}
