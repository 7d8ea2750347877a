import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The node's HTTP surface as a list of mounted parts: each owns a path prefix (`/api/v1`, `/`,
 * `/helpdesk`...) and handles its requests and, optionally, WebSocket upgrades. The portal and the
 * help desk mount here as further parts; the longest matching prefix wins.
 */
export interface HttpPart {
  prefix: string;
  handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> | void;
  upgrade?(request: IncomingMessage, socket: Duplex, head: Buffer, path: string): void;
}

export class HttpRouter {
  readonly #parts: HttpPart[] = [];

  mount(part: HttpPart): void {
    this.#parts.push(part);
    this.#parts.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  #find(path: string): HttpPart | undefined {
    return this.#parts.find((part) => path === part.prefix || path.startsWith(part.prefix.endsWith('/') ? part.prefix : `${part.prefix}/`));
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    const path = pathOf(request);
    const part = this.#find(path);
    if (part === undefined) return sendJson(response, 404, { error: 'NOT_FOUND', message: 'no such path' });
    Promise.resolve(part.handle(request, response, path)).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { error: 'INTERNAL', message: 'internal error' });
      else response.destroy();
    });
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const path = pathOf(request);
    const part = this.#find(path);
    if (part?.upgrade === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    part.upgrade(request, socket, head, path);
  }
}

function pathOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? '/', 'http://service.invalid').pathname;
  } catch {
    return '/';
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}

/**
 * Reads a JSON body of at most `maxBytes`; null when it is too large or not JSON. Read with stream
 * events rather than an async iterator: one per request was a visible share of a node's CPU.
 */
export function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else {
        // The rest is not read: the request (and its connection) is dropped, as a sender of too much deserves.
        request.off('data', onData).off('end', onEnd);
        request.destroy();
        resolve(null);
      }
    };
    const onEnd = (): void => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown);
      } catch {
        resolve(null);
      }
    };
    request.on('data', onData).on('end', onEnd).on('error', reject);
  });
}
