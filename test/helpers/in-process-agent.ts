import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AgentConfig } from '../../agent/config/agent-config.js';
import { parseConfigText } from '../../agent/config/load-config.js';
import { createDriver } from '../../agent/directory/create-driver.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { registerAgent } from '../../agent/runtime/register-agent.js';
import type { Result } from '../../protocol/index.js';
import { ServiceSim, type ServiceSimOptions } from '../../service-sim/index.js';
import { testPki } from '../fixtures/slapd/tls.js';
import { directoryEntry, withTimeout } from './agent-environment.js';
import { startChaosDirectory, type ChaosDirectory } from './chaos-directory.js';

const TENANT = 'tenant-rig';

/**
 * The real agent runtime in this process (so a test can restart it and read its state), registered
 * with a real service-sim over wss and serving a directory-sim DC over LDAPS, all on loopback.
 */
export class InProcessAgent {
  agent: AgentRuntime | null = null;
  #log = '';

  private constructor(
    readonly dir: string,
    readonly service: ServiceSim,
    readonly directory: ChaosDirectory,
    readonly config: AgentConfig,
    readonly agentId: string,
  ) {}

  static async create(serviceOptions: ServiceSimOptions = {}): Promise<InProcessAgent> {
    const pki = await testPki();
    const dir = await mkdtemp(join(tmpdir(), 'wba-rig-'));
    const directory = await startChaosDirectory(2);
    const service = await ServiceSim.start({ tls: { cert: await readFile(pki.certFile), key: await readFile(pki.keyFile) }, heartbeatIntervalMs: 2_000, ...serviceOptions });
    const env: NodeJS.ProcessEnv = {};
    const entry = directoryEntry(directory.directory, 0, env);
    await writeFile(join(dir, 'bind'), directory.directory.bindPassword, { mode: 0o600 });
    const text = JSON.stringify({
      service: { url: service.url, caFile: pki.caFile },
      stateDir: join(dir, 'state'),
      secretStore: 'file',
      directories: [{ ...entry, bindPassword: { file: join(dir, 'bind') } }],
      logging: { level: 'info', dir: join(dir, 'logs'), console: true },
      audit: { file: join(dir, 'state', 'audit.jsonl') },
    });
    // Also on disk, for the CLI commands a test runs against this agent (audit verify).
    await writeFile(join(dir, 'agent.json'), text, { mode: 0o600 });
    const config = parseConfigText(text, join(dir, 'agent.json'));
    const registration = await registerAgent(config, { token: service.issueRegistrationToken(TENANT), name: 'rig' });
    const rig = new InProcessAgent(dir, service, directory, config, registration.agentId);
    await rig.start();
    return rig;
  }

  /** Everything the agent logged (readable lines), across restarts. */
  get log(): string {
    return this.#log;
  }

  /** Starts the runtime and waits for its session. */
  async start(): Promise<void> {
    const connected = this.service.waitFor('agentConnected', (s) => s.agentId === this.agentId, 15_000);
    const consoleStream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.#log += chunk.toString('utf8');
        done();
      },
    });
    const agent = await AgentRuntime.start(this.config, { createDriver, consoleStream });
    this.agent = agent;
    await connected;
    // The service's agentConnected comes when it sends welcome; the agent is ready once it read it.
    if (agent.connection.state !== 'ready') await withTimeout(new Promise((resolve) => agent.connection.once('welcome', resolve)), 10_000, "the agent's welcome");
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop(3_000);
    this.agent = null;
  }

  /** A getAccountState through the service's queue (signed with its active key). */
  async command(): Promise<Result> {
    const issued = this.service.issueCommand({ tenantId: TENANT, op: 'getAccountState', target: { by: 'sAMAccountName', value: this.directory.users[0]! } });
    return withTimeout(issued.result, 15_000, 'a getAccountState result');
  }

  /** A getAccountState signed with the key of `kid`, sent outside the queue; resolves with the agent's answer (a result, or a refusal before authentication). */
  async commandSignedWith(kid: string): Promise<Result> {
    const command = await this.service.buildCommand({ tenantId: TENANT, agentId: this.agentId, op: 'getAccountState', target: { by: 'sAMAccountName', value: this.directory.users[0]! } });
    const answer = this.service.answer(command.id, 15_000);
    this.service.sendSignedCommand(this.agentId, command, { kid });
    return answer;
  }

  async close(): Promise<void> {
    await this.stopAgent().catch(() => undefined);
    await this.service.stop();
    await this.directory.sim.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
