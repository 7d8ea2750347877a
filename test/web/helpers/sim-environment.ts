import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDirectorySim, type DirectorySim } from '../../../directory-sim/start-directory-sim.js';
import { SeededAccount, SeededContainer } from '../../../directory-sim/seed/seeded-domain.js';
import { ServiceSim } from '../../../service-sim/index.js';
import { parseConfigText } from '../../../agent/config/load-config.js';
import { createDriver } from '../../../agent/directory/create-driver.js';
import { AgentRuntime } from '../../../agent/runtime/agent-runtime.js';
import { registerAgent } from '../../../agent/runtime/register-agent.js';
import { makeDemoTls, type DemoTls } from '../../../demo/demo-tls.js';

export const SIM_TENANT = 'tenant-demo';

/** The old demo's system, kept for service-sim's reset page tests: a simulated AD, service-sim and a registered agent. */
export class SimEnvironment {
  private constructor(
    readonly dir: string,
    readonly directory: DirectorySim,
    readonly service: ServiceSim,
    readonly agent: AgentRuntime,
    readonly agentId: string,
    /** This run's CA and server certificate (directory-sim and service-sim share them). */
    readonly tls: DemoTls,
  ) {}

  static async start(say: (line: string) => void): Promise<SimEnvironment> {
    const dir = await mkdtemp(join(tmpdir(), 'wb-sim-env-'));
    await chmod(dir, 0o700);
    const tls = await makeDemoTls();
    const directory = await startDirectorySim({ mode: 'windows', tls: { key: tls.keyPem, cert: tls.certPem, ca: tls.caPem }, seed: 'default' });
    say(`A simulated Active Directory domain (directory-sim) listens on ${directory.ldapsUrl}: ${directory.baseDn}.`);
    const service = await ServiceSim.start({ tls: { cert: tls.certPem, key: tls.keyPem }, heartbeatIntervalMs: 10_000 });
    say(`A simulated cloud reset service (service-sim) listens on ${service.url}.`);
    const caFile = join(dir, 'demo-ca.pem');
    const bindPasswordFile = join(dir, 'bind-password');
    await writeFile(caFile, tls.caPem);
    await writeFile(bindPasswordFile, SeededAccount.svcWriteback.password, { mode: 0o600 });
    const configFile = join(dir, 'agent.json');
    const configText = JSON.stringify(
      {
        service: { url: service.url, caFile },
        stateDir: join(dir, 'state'),
        secretStore: 'file',
        directories: [
          {
            id: 'corp',
            kind: 'activeDirectory',
            urls: [directory.ldapsUrl],
            baseDn: directory.baseDn,
            bindDn: `${SeededAccount.svcWriteback.rdn},${directory.baseDn}`,
            bindPassword: { file: bindPasswordFile },
            tls: { caFile, startTls: false },
            scope: { include: [`${SeededContainer.staff},${directory.baseDn}`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] },
          },
        ],
        logging: { level: 'info', dir: join(dir, 'logs'), console: false },
        audit: { file: join(dir, 'state', 'audit.jsonl') },
      },
      null,
      2,
    );
    await writeFile(configFile, configText);
    const config = parseConfigText(configText, configFile);
    const registration = await registerAgent(config, { token: service.issueRegistrationToken(SIM_TENANT), name: 'demo-agent' });
    say(`An agent registered with the service: agent ${registration.agentId} of ${registration.tenantId}, its keys in ${config.stateDir}.`);
    const connected = service.waitFor('agentConnected', (s) => s.agentId === registration.agentId, 15_000);
    const agent = await AgentRuntime.start(config, { createDriver });
    await connected;
    say('The agent holds one outbound WebSocket to the service; nothing listens on its side.');
    return new SimEnvironment(dir, directory, service, agent, registration.agentId, tls);
  }

  async stop(): Promise<void> {
    await this.agent.stop(3_000).catch(() => undefined);
    await this.service.stop().catch(() => undefined);
    await this.directory.stop().catch(() => undefined);
    if (process.env['WRITEBACK_DEMO_KEEP'] === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}
