import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DataDir } from './config/data-dir.js';
import type { ServiceConfig } from './config/service-config.js';
import { openMigrated, type ServiceDb } from './db/open-database.js';
import { ServiceError } from './errors.js';
import { AgentGateway } from './gateway/agent-gateway.js';
import type { NodeContext } from './gateway/node-context.js';
import { PostgresWakeup } from './gateway/postgres-wakeup.js';
import { adminApi } from './http/admin-api.js';
import { agentEndpoint } from './http/agent-endpoint.js';
import { helpdesk } from './helpdesk/helpdesk.js';
import { HttpRouter, type HttpPart } from './http/http-router.js';
import { SigningKeyring } from './keys/signing-keyring.js';
import type { ServiceLogger } from './logger.js';
import { Portal } from './portal/portal.js';

export interface ServiceNodeOptions {
  dataDir: DataDir;
  config: ServiceConfig;
  /** `HOST:PORT`; port 0 picks a free one. */
  listen: string;
  tls: { cert: string; key: string } | null;
  logger: ServiceLogger;
  /** Further HTTP parts (the portal, the help desk) mounted beside the agent endpoint and the API. */
  parts?: (context: NodeContext) => HttpPart[];
  now?: () => Date;
}

/** Milliseconds a draining node waits for results of commands it already sent. */
export const DRAIN_GRACE_MS = 5_000;

/**
 * One node of the reset service: the HTTP(S) server with the agent WebSocket and the admin API,
 * over the shared database. Several nodes on one PostgreSQL database form one service.
 */
export class ServiceNode {
  private constructor(
    readonly context: NodeContext,
    readonly gateway: AgentGateway,
    readonly server: Server,
    readonly url: string,
    private readonly wakeup: PostgresWakeup | null,
    /** The self-service portal at `/` (docs/portal.md). */
    readonly portal: Portal,
  ) {}

  static async start(options: ServiceNodeOptions): Promise<ServiceNode> {
    const { config, dataDir } = options;
    const { host, port } = parseListen(options.listen);
    const store: ServiceDb = await openMigrated({ url: config.database.url, sqliteFile: dataDir.sqliteFile, poolSize: config.database.poolSize, sqliteSynchronous: config.database.sqliteSynchronous });
    try {
      const keys = await SigningKeyring.load(store.db, dataDir, config);
      const context: NodeContext = { nodeId: randomUUID(), store, keys, config, dataDir: dataDir.path, logger: options.logger, now: options.now ?? (() => new Date()) };
      const gateway = new AgentGateway(context);
      // The node's row (the keys it holds) before it serves anyone; refreshed each heartbeat.
      await gateway.refreshKeys();
      const router = new HttpRouter();
      router.mount(agentEndpoint(gateway));
      // A command submitted here goes out at once when this node holds the agent's session.
      router.mount(adminApi(context, () => gateway.dispatcher.pumpAll()));
      const portal = new Portal(context, dataDir.path, () => gateway.dispatcher.pumpAll());
      router.mount(portal);
      router.mount(helpdesk(context, () => gateway.dispatcher.pumpAll()));
      for (const part of options.parts?.(context) ?? []) router.mount(part);
      const server = options.tls === null ? createHttpServer() : createHttpsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) });
      server.on('request', (request, response) => router.handle(request, response));
      server.on('upgrade', (request, socket, head: Buffer) => router.upgrade(request, socket, head));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) =>
          reject(new ServiceError('CONFIG', `cannot listen on ${options.listen} (${error.code ?? error.message}); pick a free port with --listen HOST:PORT`, { cause: error })),
        );
        server.listen(port, host, () => resolve());
      });
      const bound = (server.address() as AddressInfo).port;
      const scheme = options.tls === null ? 'http' : 'https';
      const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}`;
      gateway.dispatcher.start();
      const wakeup = config.database.url === null ? null : new PostgresWakeup(config.database.url, () => gateway.dispatcher.pumpAll(), options.logger);
      await wakeup?.start();
      options.logger.info('service node started', { nodeId: context.nodeId, url, database: store.location, kids: keys.current.map((k) => k.kid) });
      return new ServiceNode(context, gateway, server, url, wakeup, portal);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Drains the agents (SIGTERM), closes the listener and the database. */
  async stop(graceMs = DRAIN_GRACE_MS): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.wakeup?.stop();
    await this.gateway.drain(graceMs);
    this.server.closeAllConnections();
    await closed;
    await this.portal.close();
    await this.context.store.close();
    this.context.logger.info('service node stopped', { nodeId: this.context.nodeId });
  }
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port > 65535) throw new ServiceError('USAGE', `--listen ${JSON.stringify(text)}: write HOST:PORT, e.g. 127.0.0.1:8443 (port 0 picks a free one)`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
