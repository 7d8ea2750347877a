import WebSocket from 'ws';
import { SUBPROTOCOL_OFFER, encodeMessage, parseServiceFrame, type RegisterMessage, type RegisteredMessage } from '../../protocol/index.js';
import { describeConnectFailure } from '../diagnose/connect-failure.js';
import { SetupError } from '../errors.js';
import { printable } from '../logging/printable-text.js';
import { socketOptions, type ServiceEndpoint } from './socket-options.js';

/**
 * SPEC.md section 4: sends `register` with the one-time token and the agent's public keys and
 * waits for `registered`. Throws AgentError with a reason an admin can act on. Registration is the
 * same in every version, so it offers them all and works with whichever the service picks.
 */
export async function registerWithService(endpoint: ServiceEndpoint, request: Omit<RegisterMessage, 'type'>, timeoutMs = 30_000): Promise<RegisteredMessage> {
  const socket = new WebSocket(endpoint.url, [...SUBPROTOCOL_OFFER], socketOptions(endpoint, timeoutMs));
  return new Promise<RegisteredMessage>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, value?: RegisteredMessage): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else socket.terminate();
      if (error) reject(error);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new SetupError('SERVICE_UNREACHABLE', `no answer from the service at ${endpoint.url} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('open', () => socket.send(encodeMessage({ type: 'register', ...request })));
    socket.on('message', (data, isBinary) => {
      const parsed = parseServiceFrame(data as Buffer, isBinary);
      if (!parsed.ok) return;
      const message = parsed.message;
      if (message.type === 'registered') finish(null, message);
      else if (message.type === 'error') {
        const hint = message.code === 'INVALID_TOKEN' ? ' (the token is wrong, expired or already used: copy a new one from the service)' : '';
        finish(new SetupError('REGISTRATION_REFUSED', `registration refused: ${printable(message.code)}${hint}`));
      }
      // A challenge before registration is ignored: this connection only registers.
    });
    socket.on('error', (error) => {
      const failure = describeConnectFailure(error, endpoint);
      finish(new SetupError('SERVICE_UNREACHABLE', `cannot reach the service at ${endpoint.url}: ${failure.text}${failure.fix === null ? '' : `; ${failure.fix}`}`, { cause: error }));
    });
    socket.on('close', (code) => finish(new SetupError('SERVICE_UNREACHABLE', `the service closed the connection (code ${code}) before registering`)));
  });
}
