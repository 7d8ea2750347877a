import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, SUBPROTOCOL } from '../../protocol/index.js';
import type { AgentGateway } from '../gateway/agent-gateway.js';
import { sendJson, type HttpPart } from './http-router.js';

export const AGENT_PATH = '/agent/v1';

/**
 * Subprotocols this node speaks, most preferred first. A later protocol version is added here and
 * the gateway reads the choice from `Connection.protocol`.
 */
export const SUBPROTOCOLS: readonly string[] = [SUBPROTOCOL];

/** `/agent/v1`: the WebSocket upgrade (subprotocol required, frames over 64 KiB closed with 1009 by ws). */
export function agentEndpoint(gateway: AgentGateway): HttpPart {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    clientTracking: false,
    handleProtocols: (offered) => SUBPROTOCOLS.find((name) => offered.has(name)) ?? false,
  });
  return {
    prefix: AGENT_PATH,
    handle: (_request, response) => sendJson(response, 426, { error: 'UPGRADE_REQUIRED', message: 'this path takes a WebSocket with subprotocol writeback.v1' }),
    upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, path: string) {
      const offered = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((name) => name.trim());
      if (path !== AGENT_PATH || !SUBPROTOCOLS.some((name) => offered.includes(name))) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => gateway.accept(ws, request));
    },
  };
}
