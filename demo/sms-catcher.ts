import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One text message as the portal sent it to its SMS provider. */
export interface CaughtSms {
  to: string;
  text: string;
}

/** A provider's request is small JSON; anything bigger is not the portal's. */
const MAX_BODY_BYTES = 64 * 1024;

function parseSms(raw: string): CaughtSms | null {
  try {
    const body = JSON.parse(raw) as unknown;
    if (typeof body !== 'object' || body === null) return null;
    const { to, text } = body as Record<string, unknown>;
    return typeof to === 'string' && typeof text === 'string' ? { to, text } : null;
  } catch {
    return null;
  }
}

/**
 * `demo --serve`'s SMS provider: an HTTP endpoint on 127.0.0.1 speaking the portal's provider
 * interface (docs/portal.md: `POST` with `{"to", "text"}` as JSON) that hands every message to
 * `deliver` (the console) and answers 202; a request of another shape gets 400.
 */
export class SmsCatcher {
  private constructor(
    private readonly server: Server,
    /** The portal's `sms.endpoint`. */
    readonly url: string,
  ) {}

  static async start(deliver: (sms: CaughtSms) => void): Promise<SmsCatcher> {
    const server = createServer((request, response) => {
      if (request.method !== 'POST') {
        response.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          response.writeHead(413, { connection: 'close' }).end();
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      request.on('end', () => {
        const sms = parseSms(Buffer.concat(chunks).toString('utf8'));
        if (sms === null) {
          response.writeHead(400).end();
          return;
        }
        deliver(sms);
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new SmsCatcher(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
