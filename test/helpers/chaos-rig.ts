import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Result } from '../../protocol/index.js';
import { ServiceSim, type CommandSpec, type IssuedCommand, type ServiceSimOptions } from '../../service-sim/index.js';
import { testPki } from '../fixtures/slapd/tls.js';
import { directoryEntry, type TestDirectory } from './agent-environment.js';
import { AgentProcess, runCli } from './agent-process.js';

/**
 * The chaos rig: one service-sim (wss, test CA) and any number of real agent processes of one
 * tenant, each with its own config and state directory, all under one temporary directory that
 * the secret scan reads at the end. It tracks every command issued and every password used.
 */

export interface RigAgent {
  index: number;
  name: string;
  configFile: string;
  stateDir: string;
  agentId: string;
  process: AgentProcess | null;
  runs: number;
}

export interface RigOptions {
  /** Names the temporary directory and the figures. */
  name: string;
  directories: TestDirectory[];
  /** How many agents of the tenant (each registered separately). Default 1. */
  agents?: number;
  tenantId?: string;
  limits?: { maxInFlight?: number; perTargetPerMinute?: number };
  service?: Omit<ServiceSimOptions, 'tls'>;
  /** The agents' log level and whether they also log to the console (default debug, true). */
  logging?: { level?: string; console?: boolean };
  /** Extra top-level config keys (e.g. `clock`). */
  extraConfig?: Record<string, unknown>;
}

export interface TrackedCommand {
  id: string;
  op: string;
  /** Lower-case sAMAccountName/uid or DN the command targets, or null. */
  target: string | null;
  issued: IssuedCommand;
}

export class ChaosRig {
  readonly commands: TrackedCommand[] = [];
  /** Every password a command carried, and the bind passwords: the secret scan looks for them. */
  readonly passwords: string[] = [];
  readonly faults = new Map<string, number>();
  readonly startedAt = Date.now();
  /** Verified results for an id that had one already: identical re-sends, and conflicting ones (a second, different outcome). */
  readonly duplicates = { identical: 0, conflicting: 0 };

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly service: ServiceSim,
    readonly tenantId: string,
    readonly agents: RigAgent[],
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(options: RigOptions): Promise<ChaosRig> {
    const pki = await testPki();
    const dir = await mkdtemp(join(tmpdir(), `wba-chaos-${options.name}-`));
    const tenantId = options.tenantId ?? `tenant-${options.name}`;
    const service = await ServiceSim.start({ heartbeatIntervalMs: 2_000, ...options.service, tls: { cert: await readFile(pki.certFile), key: await readFile(pki.keyFile) } });
    const env: NodeJS.ProcessEnv = {};
    const passwords: string[] = [];
    const directories = options.directories.map((d, index) => {
      passwords.push(d.bindPassword);
      return directoryEntry(d, index, env);
    });
    const agents: RigAgent[] = [];
    for (let index = 0; index < (options.agents ?? 1); index++) {
      const name = `agent${index + 1}`;
      const agentDir = join(dir, name);
      await mkdir(agentDir, { recursive: true });
      const stateDir = join(agentDir, 'state');
      const config = {
        service: { url: service.url, caFile: pki.caFile },
        stateDir,
        secretStore: 'file',
        directories,
        limits: { maxInFlight: options.limits?.maxInFlight ?? 16, perTargetPerMinute: options.limits?.perTargetPerMinute ?? 5 },
        logging: { level: options.logging?.level ?? 'debug', dir: join(agentDir, 'logs'), console: options.logging?.console ?? true },
        audit: { file: join(stateDir, 'audit.jsonl') },
        ...options.extraConfig,
      };
      const configFile = join(agentDir, 'agent.json');
      await writeFile(configFile, JSON.stringify(config, null, 2));
      agents.push({ index, name, configFile, stateDir, agentId: '', process: null, runs: 0 });
    }
    const rig = new ChaosRig(options.name, dir, service, tenantId, agents, env);
    rig.passwords.push(...passwords);
    service.on('duplicateResult', (event) => {
      if (event.identical) rig.duplicates.identical++;
      else rig.duplicates.conflicting++;
    });
    return rig;
  }

  /** `writeback-agent register` for every agent, with a fresh one-time token each. */
  async registerAll(): Promise<void> {
    await Promise.all(
      this.agents.map(async (agent) => {
        const token = this.service.issueRegistrationToken(this.tenantId);
        const result = await runCli(['register', '--config', agent.configFile, '--token', token, '--name', agent.name], { env: this.env });
        if (result.code !== 0) throw new Error(`register ${agent.name} failed (${result.code}): ${result.stderr}`);
        agent.agentId = result.stdout.trim();
      }),
    );
  }

  /** Starts `writeback-agent run` for the agent and waits for its session. */
  async start(agent: RigAgent, timeoutMs = 30_000): Promise<void> {
    agent.runs++;
    const connected = this.service.waitFor('agentConnected', (s) => s.agentId === agent.agentId, timeoutMs);
    const child = new AgentProcess(['run', '--config', agent.configFile], join(this.dir, agent.name, 'output'), `run-${agent.runs}`, this.env);
    agent.process = child;
    await Promise.race([connected, child.exited.then((code) => Promise.reject(new Error(`${agent.name} exited with ${code}: ${child.output.slice(-2000)}`)))]);
  }

  /** SIGKILL: no chance to finish, journal or close anything. */
  async kill(agent: RigAgent): Promise<void> {
    await agent.process?.stop('SIGKILL');
    this.fault('agent SIGKILL');
  }

  /** True while the agent's process runs (it never exited by itself). */
  alive(agent: RigAgent): boolean {
    const child = agent.process?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  fault(kind: string, count = 1): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + count);
  }

  get faultCount(): number {
    return [...this.faults.values()].reduce((a, b) => a + b, 0);
  }

  /**
   * A fresh password that meets the test directories' policies; recorded for the secret scan.
   * Hex in the middle: AD refuses a password containing a token of the user's display name
   * ("Bulk chaos000123"), and 8 base64url characters spell "bulk" about once in 200,000 draws,
   * which failed a 2,000-reset run with PASSWORD_POLICY now and then. Hex cannot spell "bulk"
   * or "chaos".
   */
  password(): string {
    const value = `Cx-${randomBytes(6).toString('hex')}-9a!`;
    this.passwords.push(value);
    return value;
  }

  /** Issues a command through the service's queue and tracks it. */
  issue(spec: Omit<CommandSpec, 'tenantId'>): TrackedCommand {
    const issued = this.service.issueCommand({ tenantId: this.tenantId, ...spec });
    const tracked = { id: issued.id, op: spec.op, target: spec.target === undefined ? null : spec.target.value.toLowerCase(), issued };
    this.commands.push(tracked);
    return tracked;
  }

  /** Waits until every issued command has a stored result, or the time is up; returns how many are still without one. */
  async settle(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.unanswered().length === 0) return 0;
      await delay(100);
    }
    return this.unanswered().length;
  }

  /** Commands the service expired without ever sending them: they end without a result, by design. */
  readonly expiredUnsent = new Set<string>();

  /** Commands without a stored result, leaving out those the scenario saw the service expire unsent (they end without one). */
  unanswered(): TrackedCommand[] {
    return this.commands.filter((c) => !this.service.results.has(c.id) && !this.expiredUnsent.has(c.id));
  }

  result(id: string): Result | undefined {
    return this.service.results.get(id);
  }

  async close(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.process?.stop('SIGKILL') ?? Promise.resolve(null)));
    await this.service.stop();
    if (process.env['KEEP_CHAOS'] === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}
