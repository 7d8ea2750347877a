import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, pickSubprotocol, type Subprotocol } from '../protocol/index.js';
import type { TlsOptions } from './options.js';

export interface ListeningServer {
  server: Server;
  port: number;
  url: string;
  /** Closes the listener and any connection still open at the HTTP level. */
  close(): Promise<void>;
}

/**
 * An HTTP(S) server on loopback that upgrades only `path` with one of the `subprotocols` it speaks,
 * the newest the agent offered (anything else is refused before the handshake), with frames over
 * 64 KiB refused by ws.
 */
export async function listen(
  options: { host: string; port: number; path: string; tls: TlsOptions | undefined; subprotocols: readonly Subprotocol[] },
  onConnection: (ws: WebSocket, request: IncomingMessage) => void,
): Promise<ListeningServer> {
  const server: Server = options.tls === undefined ? createHttpServer() : createHttpsServer({ cert: options.tls.cert, key: options.tls.key });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // Pongs are answered by the service itself, so a stalled service can stop answering them.
    autoPong: false,
    clientTracking: false,
    handleProtocols: (protocols) => pickSubprotocol(protocols, options.subprotocols) ?? false,
  });

  server.on('request', (_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('WebSocket only\n');
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = new URL(request.url ?? '/', 'http://service.invalid').pathname;
    if (path !== options.path) return refuse(socket, 404, 'Not Found');
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((name) => name.trim());
    if (pickSubprotocol(offered, options.subprotocols) === null) return refuse(socket, 400, 'Bad Request');
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request));
  });

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
    url: `${scheme}://${host}:${port}${options.path}`,
    close: () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
