import net from 'node:net';
import tls from 'node:tls';
import { LdapConnection, type ServerShared } from './ldap-connection.js';

/** A listening LDAP (plain, StartTLS-capable) or LDAPS endpoint. */
export class LdapListener {
  private readonly connections = new Set<LdapConnection>();
  /** Every TCP socket, including LDAPS ones still in their handshake, so stop() never waits on one. */
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(
    private readonly shared: ServerShared,
    private readonly secure: boolean,
    private readonly nextConnectionId: () => number,
  ) {
    const onConnection = (socket: net.Socket): void => {
      if (socket.destroyed) return;
      socket.setNoDelay(true);
      const connection = new LdapConnection(socket, secure, nextConnectionId(), shared);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    };
    this.server = secure ? tls.createServer({ key: shared.tls!.key, cert: shared.tls!.cert }, onConnection) : net.createServer(onConnection);
    // Refuse at the TCP level, before any TLS handshake: the client sees a reset.
    this.server.prependListener('connection', (raw: net.Socket) => {
      if (shared.faults.refuseConnections) {
        raw.resetAndDestroy();
        return;
      }
      this.sockets.add(raw);
      raw.on('close', () => this.sockets.delete(raw));
    });
    // A client that fails the TLS handshake must not take the server down.
    this.server.on('tlsClientError', () => undefined);
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('directory-sim: listener has no TCP address');
    return address.port;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Drops every client connection without a goodbye (a crashed DC). */
  dropAll(): void {
    for (const connection of this.connections) connection.destroy();
    for (const socket of this.sockets) socket.destroy();
  }

  /** Ends connections idle longer than the idle-timeout fault allows. */
  private readonly idleSweep = setInterval(() => {
    const limit = this.shared.faults.idleTimeoutMs;
    if (limit === null) return;
    const now = performance.now();
    for (const connection of this.connections) if (now - connection.lastActivity > limit) connection.close();
  }, 25).unref();

  async close(): Promise<void> {
    clearInterval(this.idleSweep);
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
