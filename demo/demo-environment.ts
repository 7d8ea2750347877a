import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDirectorySim, type DirectorySim } from '../directory-sim/start-directory-sim.js';
import { SeededAccount, SeededContainer } from '../directory-sim/seed/seeded-domain.js';
import { parseConfigText } from '../agent/config/load-config.js';
import { createDriver } from '../agent/directory/create-driver.js';
import { AgentRuntime } from '../agent/runtime/agent-runtime.js';
import { registerAgent } from '../agent/runtime/register-agent.js';
import { DataDir } from '../service/config/data-dir.js';
import { defaultConfig, type ServiceConfig } from '../service/config/service-config.js';
import { openMigrated } from '../service/db/open-database.js';
import { createSigningKey } from '../service/keys/signing-keys.js';
import { jsonLineLogger } from '../service/logger.js';
import { ServiceNode } from '../service/service-node.js';
import { createAdminToken } from '../service/store/admin-tokens.js';
import { createRegistrationToken } from '../service/store/registration-tokens.js';
import { createTenant, type Tenant } from '../service/store/tenants.js';
import { makeDemoTls, type DemoTls } from './demo-tls.js';

export const DEMO_TENANT = 'tenant-demo';

/** The help desk's address the portal names on every refusal and mails about partial resets. */
export const DEMO_HELPDESK = 'helpdesk@corp.example';

const AGENT_WAIT_MS = 15_000;

export interface DemoEnvironmentOptions {
  /** An SMTP server on 127.0.0.1 (no TLS, no AUTH) for the portal's codes; absent: the portal is not set up. */
  smtpPort?: number;
  /** The portal's SMS provider (`sms.endpoint`, on 127.0.0.1); absent: the portal offers no SMS codes. */
  smsEndpoint?: string;
  /** The service's port; 0 (the default): a free one. */
  port?: number;
  /** Methods a portal user must pass (1 or 2). */
  requiredMethods?: 1 | 2;
}

/**
 * The whole system on loopback: a simulated AD (directory-sim), the real reset service (one
 * in-process node of service/ on its embedded SQLite database in a temporary data directory) and a
 * registered agent with the self-service portal's operations on.
 */
export class DemoEnvironment {
  private constructor(
    readonly dir: string,
    readonly directory: DirectorySim,
    readonly service: ServiceNode,
    readonly tenant: Tenant,
    readonly agent: AgentRuntime,
    readonly agentId: string,
    /** This run's CA and server certificate (directory-sim and the service share them). */
    readonly tls: DemoTls,
    /** This run's CA as a file, for a browser or curl. */
    readonly caFile: string,
    /** A bearer token of the service's admin API (`/api/v1`). */
    readonly adminToken: string,
    private readonly serviceLog: WriteStream,
  ) {}

  static async start(say: (line: string) => void, options: DemoEnvironmentOptions = {}): Promise<DemoEnvironment> {
    const dir = await mkdtemp(join(tmpdir(), 'writeback-agent-demo-'));
    await chmod(dir, 0o700);
    const tls = await makeDemoTls();
    const directory = await startDirectorySim({
      mode: 'windows',
      tls: { key: tls.keyPem, cert: tls.certPem, ca: tls.caPem },
      seed: 'default',
      // With the portal: contact data for SMS codes and an administrator's own reset (pat.admin).
      defaultSeed: { adminSelfService: options.smtpPort !== undefined },
    });
    say(`A simulated Active Directory domain (directory-sim) listens on ${directory.ldapsUrl}: ${directory.baseDn}.`);
    const caFile = join(dir, 'demo-ca.pem');
    const certFile = join(dir, 'demo-cert.pem');
    const keyFile = join(dir, 'demo-key.pem');
    await writeFile(caFile, tls.caPem);
    await writeFile(certFile, tls.certPem);
    await writeFile(keyFile, tls.keyPem, { mode: 0o600 });

    const dataDir = new DataDir(join(dir, 'service'));
    dataDir.create();
    // The port is chosen before the service starts: the administrator's e-mailed link is built on
    // `publicUrl`, which must name it.
    const port = options.port !== undefined && options.port !== 0 ? options.port : await freePort();
    const config = serviceConfig(options);
    config.publicUrl = `https://127.0.0.1:${port}`;
    dataDir.writeConfig(config);
    // Set up as `writeback-service init`, `tenant create` and `admin-token create` would.
    const setup = await openMigrated({ url: null, sqliteFile: dataDir.sqliteFile });
    let tenant: Tenant;
    let adminToken: string;
    try {
      await createSigningKey(setup.db, dataDir, new Date());
      tenant = await createTenant(setup.db, DEMO_TENANT, new Date());
      adminToken = await createAdminToken(setup.db, 'demo help desk', new Date());
    } finally {
      await setup.close();
    }
    // The service's log (JSON lines) goes to a file the demo's secret check reads.
    const serviceLog = createWriteStream(join(dir, 'service.log'), { mode: 0o600 });
    const service = await ServiceNode.start({
      dataDir,
      config,
      listen: `127.0.0.1:${port}`,
      tls: { cert: certFile, key: keyFile },
      logger: jsonLineLogger('info', serviceLog),
    });
    say(`The reset service (service/, embedded SQLite in ${dataDir.path}) listens on ${service.url}.`);

    const bindPasswordFile = join(dir, 'bind-password');
    await writeFile(bindPasswordFile, SeededAccount.svcWriteback.password, { mode: 0o600 });
    const configFile = join(dir, 'agent.json');
    const configText = JSON.stringify(
      {
        service: { url: `${service.url.replace(/^https/, 'wss')}/agent/v1`, caFile },
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
            scope: {
              include: [`${SeededContainer.staff},${directory.baseDn}`],
              exclude: [],
              refuseProtectedAccounts: true,
              protectedGroups: [],
              selfServiceProtectedGroups: [`${SeededContainer.domainAdmins},${directory.baseDn}`],
            },
            // The portal's operations (docs/self-service.md): contact data, sign-in with the current password.
            portal: { contactAttributes: ['mail', 'mobile', 'otherMailbox'], allowEveryone: true, allowedGroups: [], verifyPassword: { enabled: true, maxAttempts: 3, windowSeconds: 1800 } },
          },
        ],
        logging: { level: 'info', dir: join(dir, 'logs'), console: false },
        audit: { file: join(dir, 'state', 'audit.jsonl') },
      },
      null,
      2,
    );
    await writeFile(configFile, configText);
    const agentConfig = parseConfigText(configText, configFile);
    const { token } = await createRegistrationToken(service.context.store.db, tenant.id, 10 * 60_000, new Date());
    const registration = await registerAgent(agentConfig, { token, name: 'demo-agent' });
    say(`An agent registered with the service: agent ${registration.agentId} of ${DEMO_TENANT}, its keys in ${agentConfig.stateDir}.`);
    const agent = await AgentRuntime.start(agentConfig, { createDriver });
    await waitUntil(() => service.gateway.sessions.has(registration.agentId), AGENT_WAIT_MS, 'the agent did not connect to the service');
    say('The agent holds one outbound WebSocket to the service; nothing listens on its side.');
    return new DemoEnvironment(dir, directory, service, tenant, agent, registration.agentId, tls, caFile, adminToken, serviceLog);
  }

  async stop(): Promise<void> {
    await this.agent.stop(3_000).catch(() => undefined);
    await this.service.stop(1_000).catch(() => undefined);
    await this.directory.stop().catch(() => undefined);
    await new Promise<void>((resolve) => this.serviceLog.end(() => resolve()));
    if (process.env['WRITEBACK_DEMO_KEEP'] === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The service's configuration: short heartbeats, and the portal for the demo's tenant when there is somewhere to send mail. */
function serviceConfig({ smtpPort, smsEndpoint, requiredMethods }: DemoEnvironmentOptions): ServiceConfig {
  const config = defaultConfig();
  config.agents.heartbeatIntervalMs = 10_000;
  if (smtpPort === undefined) return config;
  config.smtp = { host: '127.0.0.1', port: smtpPort, security: 'none', user: null, password: null, from: 'password-reset@corp.example' };
  if (smsEndpoint !== undefined) config.sms = { endpoint: smsEndpoint, credential: null };
  const methods = smsEndpoint === undefined ? ['email', 'totp'] : ['email', 'sms', 'totp'];
  config.portal = { ...config.portal, tenant: DEMO_TENANT, targetBy: 'sAMAccountName', methods, required: requiredMethods ?? 1, helpdeskContact: DEMO_HELPDESK };
  return config;
}

/** A port free on 127.0.0.1 a moment ago (the system picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntil(done: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${failure} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
