import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, pickSubprotocol, Subprotocol } from '../../protocol/index.js';
import type { AgentGateway } from '../gateway/agent-gateway.js';
import { sendJson, type HttpPart } from './http-router.js';

export const AGENT_PATH = '/agent/v1';

/**
 * Protocol versions this node speaks (docs/protocol.md, "Versions"): it picks the newest the agent
 * offers, so version-1 agents keep working; the gateway reads the choice from `Connection.protocol`.
 */
export const SUBPROTOCOLS: readonly Subprotocol[] = [Subprotocol.v2, Subprotocol.v1];

/** What the endpoint may vary: the versions it speaks and whether ws answers pings itself (service-sim narrows the first and turns the second off to fake a dead link). */
export interface AgentEndpointOptions {
  subprotocols?: readonly Subprotocol[];
  autoPong?: boolean;
}

/** `/agent/v1`: the WebSocket upgrade (subprotocol required, frames over 64 KiB closed with 1009 by ws). */
export function agentEndpoint(gateway: Pick<AgentGateway, 'accept'>, options: AgentEndpointOptions = {}): HttpPart {
  const subprotocols = options.subprotocols ?? SUBPROTOCOLS;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    clientTracking: false,
    autoPong: options.autoPong ?? true,
    handleProtocols: (offered) => pickSubprotocol(offered, subprotocols) ?? false,
  });
  return {
    prefix: AGENT_PATH,
    handle: (_request, response) => sendJson(response, 426, { error: 'UPGRADE_REQUIRED', message: `this path takes a WebSocket with subprotocol ${subprotocols.join(' or ')}` }),
    upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, path: string) {
      const offered = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((name) => name.trim());
      if (path !== AGENT_PATH || pickSubprotocol(offered, subprotocols) === null) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => gateway.accept(ws, request));
    },
  };
}
