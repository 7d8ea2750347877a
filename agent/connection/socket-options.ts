import { readFileSync } from 'node:fs';
import type { ClientOptions } from 'ws';
import { MAX_FRAME_BYTES } from '../../protocol/index.js';
import { SetupError } from '../errors.js';
import { proxyAgent, proxyFor } from './proxy.js';

export interface ServiceEndpoint {
  url: string;
  allowInsecure: boolean;
  caFile: string | null;
  proxy: string | null;
}

/** ws client options for the service: TLS verified (custom CA), proxy, frame size limit. */
export function socketOptions(endpoint: ServiceEndpoint, handshakeTimeoutMs: number): ClientOptions {
  const url = new URL(endpoint.url);
  if (url.protocol !== 'wss:' && !(url.protocol === 'ws:' && endpoint.allowInsecure)) {
    throw new SetupError('CONFIG', `service.url must be wss:// (got ${url.protocol}//); set service.allowInsecure to true only for local testing`);
  }
  let ca: Buffer | undefined;
  if (endpoint.caFile) {
    try {
      ca = readFileSync(endpoint.caFile);
    } catch {
      throw new SetupError('CONFIG', `cannot read service.caFile ${endpoint.caFile}: check the path and that the agent's account can read it`);
    }
  }
  const options: ClientOptions = { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: handshakeTimeoutMs, perMessageDeflate: false };
  if (ca !== undefined) options.ca = ca;
  const proxy = proxyFor(endpoint.url, endpoint.proxy);
  if (proxy) options.agent = proxyAgent(proxy, ca);
  return options;
}
