import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceSim } from '../../service-sim/index.js';
import type { Result } from '../../protocol/index.js';
import { testPki } from '../fixtures/slapd/tls.js';
import { ConfigDefaults } from '../../agent/config/config-defaults.js';
import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import { AgentProcess, runCli } from './agent-process.js';
import { directoryConfig } from './directory-config.js';

/** One directory entry of the agent's config, as a test writes it. */
export interface TestDirectory {
  id: string;
  kind: 'activeDirectory' | 'openldap';
  urls: string[];
  baseDn: string;
  bindDn: string;
  bindPassword: string;
  caFile: string;
  include: string[];
  exclude?: string[];
  protectedGroups?: string[];
  extra?: Record<string, unknown>;
}

/** What slapdTestDirectory reads of a slapd fixture (local or in a container). */
interface SlapdLike {
  ldapsUrl: string;
  suffix: string;
  caFile: string;
  layout: { serviceDn: string; servicePassword: string; peopleDn: string; adminsGroupDn: string };
}

/** The usual OpenLDAP directory of the tests: the fixture's people OU in scope, its admins group protected. */
export function slapdTestDirectory(slapd: SlapdLike, overrides: Partial<TestDirectory> = {}): TestDirectory {
  return {
    id: 'ldap',
    kind: 'openldap',
    urls: [slapd.ldapsUrl],
    baseDn: slapd.suffix,
    bindDn: slapd.layout.serviceDn,
    bindPassword: slapd.layout.servicePassword,
    caFile: slapd.caFile,
    include: [slapd.layout.peopleDn],
    protectedGroups: [slapd.layout.adminsGroupDn],
    ...overrides,
  };
}

/**
 * The config file's entry for a test directory; its bind password goes into `env` as
 * WBA_BIND_<index> and the entry refers to it (`{ "env": ... }`), never holding it.
 */
export function directoryEntry(d: TestDirectory, index: number, env: NodeJS.ProcessEnv): Record<string, unknown> {
  env[`WBA_BIND_${index}`] = d.bindPassword;
  // The agent's own defaults but a shorter timeout, so outages are answered quickly.
  const defaults: Partial<DirectoryConfig> = { timeoutMs: 3_000, poolSize: ConfigDefaults.poolSize, passwordMethod: ConfigDefaults.passwordMethod, policyCacheMs: ConfigDefaults.policyCacheMs };
  const { id, kind, urls, baseDn, bindDn, caFile, include } = d;
  const fields = { id, kind, urls, baseDn, bindDn, caFile, include, exclude: d.exclude ?? [], protectedGroups: d.protectedGroups ?? [] };
  return { ...directoryConfig(fields, { ...defaults, ...(d.extra as Partial<DirectoryConfig>) }), bindPassword: { env: `WBA_BIND_${index}` } };
}

export interface AgentEnvironmentOptions {
  directories: TestDirectory[];
  tenantId?: string;
  limits?: { maxInFlight?: number; perTargetPerMinute?: number };
}

/**
 * A real agent process (register, then run) against a real service-sim over wss:// with a test CA,
 * with its config, state and logs in one temporary directory that the secret scan reads.
 */
export class AgentEnvironment {
  agent: AgentProcess | null = null;
  agentId = '';
  private runs = 0;

  private constructor(
    readonly dir: string,
    readonly service: ServiceSim,
    readonly tenantId: string,
    readonly configFile: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(options: AgentEnvironmentOptions): Promise<AgentEnvironment> {
    const pki = await testPki();
    const dir = await mkdtemp(join(tmpdir(), 'wba-e2e-'));
    const tenantId = options.tenantId ?? 'tenant-e2e';
    const service = await ServiceSim.start({ tls: { cert: await readFile(pki.certFile), key: await readFile(pki.keyFile) }, heartbeatIntervalMs: 2_000 });
    const env: NodeJS.ProcessEnv = {};
    const config = {
      service: { url: service.url, caFile: pki.caFile },
      stateDir: join(dir, 'state'),
      secretStore: 'file',
      directories: options.directories.map((d, index) => directoryEntry(d, index, env)),
      limits: { maxInFlight: options.limits?.maxInFlight ?? 8, perTargetPerMinute: options.limits?.perTargetPerMinute ?? 5 },
      logging: { level: 'debug', dir: join(dir, 'logs') },
      audit: { file: join(dir, 'state', 'audit.jsonl') },
    };
    const configFile = join(dir, 'agent.json');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    return new AgentEnvironment(dir, service, tenantId, configFile, env);
  }

  /** `writeback-agent register` with a fresh one-time token; returns the agentId it printed. */
  async register(): Promise<string> {
    const token = this.service.issueRegistrationToken(this.tenantId);
    const result = await runCli(['register', '--config', this.configFile, '--token', token, '--name', 'e2e'], { env: this.env });
    if (result.code !== 0) throw new Error(`register failed (${result.code}): ${result.stderr}`);
    this.agentId = result.stdout.trim();
    return this.agentId;
  }

  /** Starts `writeback-agent run` and waits for its session. */
  async startAgent(): Promise<AgentProcess> {
    this.runs++;
    const connected = this.service.waitFor('agentConnected', (s) => s.agentId === this.agentId, 20_000);
    this.agent = new AgentProcess(['run', '--config', this.configFile], join(this.dir, 'output'), `run-${this.runs}`, this.env);
    await Promise.race([connected, this.agent.exited.then((code) => Promise.reject(new Error(`agent exited with ${code}: ${this.agent?.output.slice(-2000)}`)))]);
    return this.agent;
  }

  /** Issues a command through the service and waits for the agent's verified answer: its result, or its refusal before authentication (never stored as the result). */
  async command(spec: { op: string; target?: { by: string; value: string }; params?: Record<string, unknown>; secret?: Record<string, string>; directory?: string }): Promise<Result> {
    const issued = this.service.issueCommand({ tenantId: this.tenantId, ...(spec as { op: string }) });
    return this.service.answer(issued.id, 20_000);
  }

  async close(): Promise<void> {
    await this.agent?.stop('SIGKILL');
    await this.service.stop();
    if (process.env['KEEP_E2E'] === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
