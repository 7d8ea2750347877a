import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * The load balancer in front of several service nodes, as in production but minimal: each client
 * connection goes to the first backend that accepts it, bytes are passed through untouched (TLS
 * ends at the node), and when either side closes the other is closed too.
 */
export class TcpBalancer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  backends: number[];

  private constructor(server: Server, backends: number[]) {
    this.#server = server;
    this.backends = backends;
  }

  static async start(backends: number[]): Promise<TcpBalancer> {
    const server = createServer();
    const balancer = new TcpBalancer(server, backends);
    server.on('connection', (client) => {
      // A client that goes away while its backend is being picked (an agent killed mid-reconnect)
      // must not become an unhandled 'error' that ends the test process.
      client.on('error', () => client.destroy());
      balancer.#route(client, 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  #route(client: Socket, index: number): void {
    const port = this.backends[index];
    if (port === undefined) {
      client.destroy();
      return;
    }
    client.pause();
    const upstream = connect({ host: '127.0.0.1', port });
    const failed = (): void => this.#route(client, index + 1);
    upstream.once('error', failed);
    upstream.once('connect', () => {
      upstream.off('error', failed);
      this.#sockets.add(client);
      this.#sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      for (const socket of [client, upstream]) {
        socket.on('error', close);
        socket.on('close', close);
      }
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
