import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../../protocol/index.js';
import { testPki, type TestPki } from '../fixtures/slapd/tls.js';
import { AgentProcess, runCli } from './agent-process.js';
import { directoryEntry, type TestDirectory } from './agent-environment.js';
import { apiRequest, runServiceCli, ServiceProcess, type ParsedJson } from './service-process.js';
import { TcpBalancer } from './tcp-balancer.js';

export interface ServiceEnvironmentOptions {
  directories: TestDirectory[];
  /** PostgreSQL URL shared by every node; absent: one node on its embedded SQLite database. */
  dbUrl?: string;
  /** Service nodes (data directories); more than one needs `dbUrl`. Default 1. */
  nodes?: number;
  limits?: { maxInFlight?: number; perTargetPerMinute?: number };
  /** `serve --log-level`; default debug. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Overrides of service.json after init (e.g. shorter heartbeats). */
  serviceConfig?: (config: ParsedJson) => void;
}

export interface RunningNode {
  process: ServiceProcess;
  url: string;
}

/**
 * The real thing on one machine: `writeback-service` data directories (one per node, sharing the
 * signing keys and, for several nodes, one PostgreSQL database), `serve` processes over TLS with
 * the test CA, and a real agent process registered with a token from `token create`. Everything
 * lives in one temporary directory that the secret scan reads.
 */
export class ServiceEnvironment {
  readonly nodes: (RunningNode | null)[];
  agent: AgentProcess | null = null;
  agentId = '';
  adminToken = '';
  /** Every registration token `register` used, for the tests' secret scans: the service keeps only their hashes. */
  readonly registrationTokens: string[] = [];
  tenantId = '';
  readonly tenant = 'acme';
  readonly env: NodeJS.ProcessEnv = {};
  #runs = 0;

  private constructor(
    readonly dir: string,
    readonly pki: TestPki,
    readonly dataDirs: string[],
    readonly options: ServiceEnvironmentOptions,
  ) {
    this.nodes = dataDirs.map(() => null);
  }

  static async create(options: ServiceEnvironmentOptions): Promise<ServiceEnvironment> {
    const pki = await testPki();
    const dir = await mkdtemp(join(tmpdir(), 'wbs-e2e-'));
    const count = options.nodes ?? 1;
    const environment = new ServiceEnvironment(
      dir,
      pki,
      Array.from({ length: count }, (_, i) => join(dir, `node-${i}`)),
      options,
    );
    await environment.#init();
    return environment;
  }

  /** The data flags of node `i` (its directory and the shared database, when any). */
  dataArgs(i = 0): string[] {
    return ['--data', this.dataDirs[i]!, ...(this.options.dbUrl === undefined ? [] : ['--db', this.options.dbUrl])];
  }

  async cli(args: string[], options: { stdin?: string; node?: number; timeoutMs?: number } = {}) {
    return runServiceCli([...args, ...this.dataArgs(options.node ?? 0)], {
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  async #cliOk(args: string[], node = 0): Promise<string> {
    const result = await this.cli(args, { node });
    if (result.code !== 0) throw new Error(`writeback-service ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim();
  }

  async #init(): Promise<void> {
    for (let i = 0; i < this.dataDirs.length; i++) {
      await this.#cliOk(['init'], i);
      const configFile = join(this.dataDirs[i]!, 'service.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      config.agents.heartbeatIntervalMs = 2_000;
      config.agents.helloTimeoutMs = 5_000;
      this.options.serviceConfig?.(config);
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      if (i > 0) {
        // Nodes of one service share the signing keys: copied from the first node, as docs/service.md says.
        for (const name of readdirSync(join(this.dataDirs[0]!, 'keys'))) copyFileSync(join(this.dataDirs[0]!, 'keys', name), join(this.dataDirs[i]!, 'keys', name));
      }
    }
    this.tenantId = await this.#cliOk(['tenant', 'create', this.tenant]);
    this.adminToken = await this.#cliOk(['admin-token', 'create', '--name', 'e2e']);
  }

  /** Starts `serve` for node `i` on a free port (or `port`). */
  async startNode(i = 0, port = 0): Promise<RunningNode> {
    const node = await ServiceProcess.start(
      [...this.dataArgs(i), '--listen', `127.0.0.1:${port}`, '--tls-cert', this.pki.certFile, '--tls-key', this.pki.keyFile, '--log-level', this.options.logLevel ?? 'debug'],
      join(this.dir, 'output'),
      `node-${i}-${++this.#runs}`,
    );
    this.nodes[i] = { process: node.process, url: node.url };
    return { process: node.process, url: node.url };
  }

  /**
   * Starts nodes 0 and 1 (on `ports`, else on ports of their own), a TcpBalancer in front of them
   * (node 0 its first choice), and a registered agent that reaches the nodes through it (an agent
   * keeps the URL it registered with; the test picks the node by stopping the other).
   */
  async startTwoNodesBehindBalancer(ports: readonly [number, number] = [0, 0]): Promise<TcpBalancer> {
    const nodes = [await this.startNode(0, ports[0]), await this.startNode(1, ports[1])];
    const balancer = await TcpBalancer.start(nodes.map((node) => Number(new URL(node.url).port)));
    try {
      await this.writeAgentConfig(`https://127.0.0.1:${balancer.port}`);
      await this.register();
      await this.startAgent();
      return balancer;
    } catch (error) {
      await balancer.close();
      throw error;
    }
  }

  /** Writes the agent's config pointing at `serviceUrl` (an https URL of a node or of a balancer). */
  async writeAgentConfig(serviceUrl: string): Promise<string> {
    const config = {
      service: { url: `${serviceUrl.replace(/^https/, 'wss')}/agent/v1`, caFile: this.pki.caFile },
      stateDir: join(this.dir, 'agent-state'),
      secretStore: 'file',
      directories: this.options.directories.map((d, index) => directoryEntry(d, index, this.env)),
      limits: { maxInFlight: this.options.limits?.maxInFlight ?? 8, perTargetPerMinute: this.options.limits?.perTargetPerMinute ?? 60 },
      logging: { level: 'debug', dir: join(this.dir, 'agent-logs') },
      audit: { file: join(this.dir, 'agent-state', 'audit.jsonl') },
    };
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, 'agent.json');
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  }

  get agentConfigFile(): string {
    return join(this.dir, 'agent.json');
  }

  /** `token create`, then `writeback-agent register` with it; returns the agent id. */
  async register(): Promise<string> {
    const token = await this.#cliOk(['token', 'create', '--tenant', this.tenant]);
    this.registrationTokens.push(token);
    const result = await runCli(['register', '--config', this.agentConfigFile, '--token', token, '--name', 'e2e'], { env: this.env });
    if (result.code !== 0) throw new Error(`register failed (${result.code}): ${result.stderr}`);
    this.agentId = result.stdout.trim();
    return this.agentId;
  }

  /** Starts `writeback-agent run` and waits for its session. */
  async startAgent(): Promise<AgentProcess> {
    this.#runs++;
    this.agent = new AgentProcess(['run', '--config', this.agentConfigFile], join(this.dir, 'output'), `agent-${this.#runs}`, this.env);
    await this.agent.waitFor('session established', 30_000);
    return this.agent;
  }

  /** POST a command through node `node`'s admin API; returns its id. */
  async submit(spec: Record<string, unknown>, node = 0): Promise<string> {
    const url = this.nodes[node]?.url;
    if (url === undefined) throw new Error(`node ${node} is not running`);
    const response = await apiRequest(`${url}/api/v1/tenants/${this.tenant}/commands`, { method: 'POST', token: this.adminToken, body: spec, ca: readFileSync(this.pki.caFile) });
    if (response.status !== 202) throw new Error(`submit: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id as string;
  }

  /** GET the command from node `node` until it is done or expired. */
  async waitResult(id: string, node = 0, timeoutMs = 30_000): Promise<{ state: string; result: Result | null; signature: string | null }> {
    const started = Date.now();
    for (;;) {
      const url = this.nodes[node]?.url;
      if (url === undefined) throw new Error(`node ${node} is not running`);
      const response = await apiRequest(`${url}/api/v1/tenants/${this.tenant}/commands/${id}`, { token: this.adminToken, ca: readFileSync(this.pki.caFile) });
      if (response.status !== 200) throw new Error(`GET command: HTTP ${response.status} ${JSON.stringify(response.body)}`);
      if (response.body.state === 'done' || response.body.state === 'expired') return response.body as { state: string; result: Result | null; signature: string | null };
      if (Date.now() - started > timeoutMs) throw new Error(`command ${id} still ${response.body.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    await this.agent?.stop('SIGKILL');
    for (const node of this.nodes) await node?.process.stop('SIGKILL');
    if (process.env['KEEP_E2E'] === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}
