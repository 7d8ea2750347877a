import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Subprotocol } from '../protocol/index.js';
import { AGENT_PATH, agentEndpoint } from '../service/http/agent-endpoint.js';
import { HttpRouter } from '../service/http/http-router.js';
import type { TlsOptions } from './options.js';

export interface ListeningServer {
  server: Server;
  port: number;
  url: string;
  /** Closes the listener and any connection still open at the HTTP level. */
  close(): Promise<void>;
}

/**
 * An HTTP(S) server on loopback with the service's agent endpoint (service/http/agent-endpoint.ts):
 * it upgrades only `/agent/v1` with the newest of `subprotocols` the agent offered (anything else is
 * refused before the handshake) and closes frames over 64 KiB with 1009.
 */
export async function listen(
  options: { host: string; port: number; tls: TlsOptions | undefined; subprotocols?: readonly Subprotocol[] },
  onConnection: (ws: WebSocket, request: IncomingMessage) => void,
): Promise<ListeningServer> {
  const server: Server = options.tls === undefined ? createHttpServer() : createHttpsServer({ cert: options.tls.cert, key: options.tls.key });
  const router = new HttpRouter();
  // Pongs are answered by the rig itself, so a stalled service can stop answering them.
  router.mount(agentEndpoint({ accept: onConnection }, { ...(options.subprotocols === undefined ? {} : { subprotocols: options.subprotocols }), autoPong: false }));
  server.on('request', (request, response) => router.handle(request, response));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => router.upgrade(request, socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls === undefined ? 'ws' : 'wss';
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    port,
    url: `${scheme}://${host}:${port}${AGENT_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
