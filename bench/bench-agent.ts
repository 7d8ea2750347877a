import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceDefaults } from '../agent/service/service-defaults.js';
import type { ServiceSim } from '../service-sim/index.js';
import type { BenchTarget } from './bench-target.js';
import { processStats, type ProcessStats } from './process-stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How the agent process is started: the compiled CLI (as shipped) or the sources under tsx (as the tests do). */
export interface AgentLaunch {
  /** Path of the compiled `agent/cli/bin.js`, or null for `--import tsx agent/cli/bin.ts`. */
  compiledBin: string | null;
  /** Directory for `--cpu-prof` output, or null. */
  cpuProfDir: string | null;
  /** Extra node flags before the script (empty: none). */
  nodeFlags: string[];
}

export interface BenchAgentOptions {
  service: ServiceSim;
  caFile: string;
  tenantId: string;
  target: BenchTarget;
  maxInFlight: number;
  /** false: the journal and audit log skip their fsync (the durability comparison; bench/run-agent.js). */
  fsync: boolean;
  launch: AgentLaunch;
}

/**
 * One real agent process (`register`, then `run`) with a config of its own in a temporary
 * directory: rate limits out of the way, info logging to a file as in production.
 */
export class BenchAgent {
  #child: ChildProcess | null = null;
  #exited: Promise<number | null> = Promise.resolve(null);
  #onDestroy: (() => void)[] = [];
  agentId = '';

  private constructor(
    readonly dir: string,
    readonly configFile: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly options: BenchAgentOptions,
  ) {}

  static async create(options: BenchAgentOptions): Promise<BenchAgent> {
    const dir = await mkdtemp(join(tmpdir(), 'wba-bench-'));
    const config = {
      service: { url: options.service.url, caFile: options.caFile },
      stateDir: join(dir, 'state'),
      secretStore: 'file',
      directories: [{ ...options.target.agentDirectory, bindPassword: { env: 'WBA_BENCH_BIND' } }],
      limits: { maxInFlight: options.maxInFlight, perTargetPerMinute: 1_000_000 },
      logging: { level: 'info', dir: join(dir, 'logs'), console: false },
      audit: { file: join(dir, 'state', 'audit.jsonl') },
    };
    const configFile = join(dir, 'agent.json');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const env: NodeJS.ProcessEnv = { WBA_BENCH_BIND: options.target.bindPassword };
    const agent = new BenchAgent(dir, configFile, env, options);
    await agent.#register();
    return agent;
  }

  get pid(): number {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new Error('the agent is not running');
    return pid;
  }

  stats(): ProcessStats {
    return processStats(this.pid);
  }

  /** Starts `run` and resolves once the service has its session. */
  async start(): Promise<void> {
    const { service } = this.options;
    const connected = service.waitFor('agentConnected', (s) => s.agentId === this.agentId, 60_000);
    const child = this.#spawn(['run', '--config', this.configFile], true);
    this.#child = child;
    const log = createWriteStream(join(this.dir, 'run.output'));
    let tail = '';
    const keep = (chunk: Buffer): void => {
      log.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // 'close', not 'exit': the last output (often why the agent ended) is read by then.
    this.#exited = once(child, 'close').then(([code]) => {
      log.end();
      return code as number | null;
    });
    await Promise.race([connected, this.#exited.then((code) => Promise.reject(new Error(`the agent exited with ${code}: ${tail}`)))]);
  }

  /** SIGTERM (so a CPU profile gets written), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await this.#exited;
      clearTimeout(timer);
    }
    this.#child = null;
  }

  /** Called once by destroy(). */
  onDestroy(callback: () => void): void {
    this.#onDestroy.push(callback);
  }

  async destroy(): Promise<void> {
    for (const callback of this.#onDestroy.splice(0)) callback();
    await this.stop();
    // WBA_BENCH_KEEP=1 keeps the agent's logs, journal and audit log to look at afterwards.
    if (process.env['WBA_BENCH_KEEP'] === '1') process.stderr.write(`[bench] kept ${this.dir}\n`);
    else await rm(this.dir, { recursive: true, force: true });
  }

  async #register(): Promise<void> {
    const token = this.options.service.issueRegistrationToken(this.options.tenantId);
    const child = this.#spawn(['register', '--config', this.configFile, '--token', token, '--name', 'bench'], false);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    if (code !== 0) throw new Error(`register failed (${code}): ${stderr.trim()}`);
    this.agentId = stdout.trim();
  }

  #spawn(args: string[], profile: boolean): ChildProcess {
    const { compiledBin, cpuProfDir } = this.options.launch;
    // `run` gets the flags and environment the installed service uses (systemd unit, WinSW); --node-flags come after and win.
    // `register` gets neither: it prints the agent id on stdout, which a flag like --trace-opt would corrupt.
    // `run` starts through bench/run-agent.js, the CLI's run command with the bench's runtime options.
    const run = args[0] === 'run';
    const flags = run ? [...ServiceDefaults.runNodeFlags, ...this.options.launch.nodeFlags] : [];
    const loader = compiledBin === null ? ['--import', 'tsx'] : [];
    const script = run
      ? [join(ROOT, 'bench/run-agent.js'), compiledBin === null ? join(ROOT, 'agent/cli/commands/run.ts') : join(dirname(compiledBin), 'commands/run.js'), this.options.fsync ? 'fsync' : 'no-fsync']
      : [compiledBin ?? join(ROOT, 'agent/cli/bin.ts')];
    const nodeArgs = [...flags, ...loader, ...script];
    if (profile && cpuProfDir !== null) nodeArgs.unshift('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
    return spawn(process.execPath, [...nodeArgs, ...args.slice(run ? 1 : 0)], {
      cwd: ROOT,
      env: { ...process.env, ...(run ? ServiceDefaults.runEnvironment : {}), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}
