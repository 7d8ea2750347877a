/**
 * A small bounded pool of ldapts Clients bound as the agent's service account, with failover
 * across the configured URLs (the last healthy one is tried first), a re-bind after a dropped
 * connection, and one retry on another connection for requests the caller says are safe to repeat.
 *
 * Connections are shared: LDAP tags each request with a message id, so several requests run on
 * one connection at once (ldapts matches the answers). A request goes to the least busy
 * connection; a new one is opened, up to `size`, when all are busy. Issue 9's benchmark found
 * commands queueing for a connection of their own while the directory was idle.
 */
import type { Client, Control } from 'ldapts';
import type { Logger } from '../../logging/logger.js';
import { AgentError } from '../../errors.js';
import { ResultCode } from '../../../protocol/codes.js';
import { isTransportFailure, mapDirectoryError } from './directory-errors.js';
import { connectOne, ldapSecureContext, loadCa, parseLdapUrls, type LdapTransportOptions } from './ldap-connector.js';
import { UserConnections } from './user-connections.js';
import { withTimeout } from './with-timeout.js';

export interface ConnectionPoolOptions extends LdapTransportOptions {
  bindDn: string;
  /** Never logged. */
  bindPassword: string;
  /** Connections kept open at most. */
  size: number;
  logger: Logger;
}

export interface WithClientOptions {
  /**
   * True when running `fn` twice is harmless (reads, probes, idempotent writes): after a transport
   * failure it runs once more on a fresh connection (another URL when the first died). False for a
   * write that may have been applied before the connection broke.
   */
  idempotent: boolean;
}

/** A user's bind: the DN, the password (never logged) and request controls (e.g. ppolicy's). */
export interface UserBind {
  dn: string;
  password: string;
  controls?: Control[];
}

interface Pooled {
  client: Client;
  url: string;
  /** Calls of withClient running on it now. */
  inFlight: number;
  /** Out of service (another connection to its URL broke): closed when inFlight reaches 0. */
  draining?: boolean;
}

export class LdapConnectionPool {
  private readonly targets;
  private readonly secureContext;
  /** Bound connections taking requests. */
  private readonly live: Pooled[] = [];
  /** Connections being opened and bound; they count against `size`. */
  private readonly opening = new Set<Promise<Pooled>>();
  /** Connections for binds as users, never bound as the service account. */
  private readonly userConnections: UserConnections;
  /** The URL each user connection went to, so that those to a server that dropped one are closed with it. */
  private readonly userConnectionUrls = new WeakMap<Client, string>();
  private preferred = 0;
  private closed = false;

  constructor(private readonly options: ConnectionPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('pool size must be a positive integer');
    this.targets = parseLdapUrls(options);
    this.secureContext = ldapSecureContext(loadCa(options.tls.caFile));
    this.userConnections = new UserConnections(async () => {
      if (this.closed) throw closedError();
      const { client, url } = await this.connect();
      this.userConnectionUrls.set(client, url);
      return client;
    }, options.size);
  }

  /** The URL new connections try first (the last one that answered). */
  get activeUrl(): string {
    return this.targets[this.preferred]?.url ?? '';
  }

  /** Runs `fn` with a bound client. Errors from `fn` are thrown as they are (the caller maps them with its own context). */
  async withClient<T>(fn: (client: Client) => Promise<T>, options: WithClientOptions): Promise<T> {
    // Connect failures are not retried here: connect() has already tried every URL.
    const slot = await this.acquire();
    try {
      return await this.runOn(slot, fn);
    } catch (error) {
      if (!options.idempotent || !isTransportFailure(error) || this.closed) throw error;
      this.options.logger.warn('directory connection failed during a request; retrying once on a fresh connection', { url: slot.url });
      return this.runOn(await this.acquire(), fn);
    }
  }

  /**
   * Binds as a user on a connection of the users' own (never one bound as the service account)
   * and runs `then` on it, still bound as that user: a password change, or the check for a
   * password that may already be in place. The bind's error is thrown as ldapts raised it (the
   * caller reads its controls and maps it). These connections are kept and reused (see
   * UserConnections): before, each such command paid a TCP and TLS handshake, and the benchmark's
   * soak a steady growth of native memory. Every use starts with its own bind, so nothing runs
   * under the identity a previous use left on the connection.
   */
  async withUserBind<T>(bind: UserBind, then: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    for (let attempt = 1; ; attempt += 1) {
      const { client, reused } = await this.userConnections.acquire();
      let healthy = true;
      let bound = false;
      try {
        await withTimeout(client.bind(bind.dn, bind.password, bind.controls), this.options.timeoutMs, 'bind');
        bound = true;
        return await then(client);
      } catch (error) {
        healthy = !isTransportFailure(error);
        if (!healthy) this.outOfService(this.userConnectionUrls.get(client));
        // A kept connection the server dropped without a word: the bind once more, on another.
        if (!bound && !healthy && reused && attempt === 1) continue;
        throw error;
      } finally {
        this.userConnections.release(client, healthy);
      }
    }
  }

  /** Closes every connection; later calls fail with DIRECTORY_UNAVAILABLE. */
  async close(): Promise<void> {
    this.closed = true;
    const live = this.live.splice(0);
    await Promise.all([this.userConnections.close(), ...live.map(({ client }) => client.unbind().catch(() => undefined))]);
  }

  private async runOn<T>(slot: Pooled, fn: (client: Client) => Promise<T>): Promise<T> {
    let healthy = true;
    try {
      return await fn(slot.client);
    } catch (error) {
      if (isTransportFailure(error)) healthy = false;
      throw error;
    } finally {
      slot.inFlight -= 1;
      // A broken connection takes no more requests (those still on it fail by themselves), and
      // neither do the others to that URL (see outOfService).
      if (!healthy) this.outOfService(slot.url);
      if (!healthy || !slot.client.isBound) this.retire(slot);
      else if (slot.draining && slot.inFlight === 0) this.retire(slot);
    }
  }

  /**
   * After a transport failure on a connection to `url`: no connection to it, of the service account
   * or idle for user binds, takes another request. A server that dropped one has usually dropped
   * them all (stopped, restarted) before their close is seen, and a retry handed one of those would
   * fail again while another URL answers. Busy ones are closed once their own requests have ended.
   */
  private outOfService(url: string | undefined): void {
    if (url === undefined) return;
    for (const other of [...this.live]) if (other.url === url) this.drain(other);
    this.userConnections.discardIdle((client) => this.userConnectionUrls.get(client) === url);
  }

  /** Takes the connection out of service; it is closed when its last request ends (at once when idle). */
  private drain(slot: Pooled): void {
    slot.draining = true;
    if (slot.inFlight === 0) this.retire(slot);
    else {
      const index = this.live.indexOf(slot);
      if (index >= 0) this.live.splice(index, 1);
    }
  }

  private async acquire(): Promise<Pooled> {
    if (this.closed) throw closedError();
    // A connection the server dropped (restart, idle timeout) is replaced, and the new one re-binds.
    for (const slot of [...this.live]) if (!slot.client.isBound) this.retire(slot);
    let best: Pooled | undefined;
    for (const slot of this.live) if (best === undefined || slot.inFlight < best.inFlight) best = slot;
    const room = this.live.length + this.opening.size < this.options.size;
    if (best !== undefined && (best.inFlight === 0 || !room)) return take(best);
    if (room) {
      const opened = this.openOne();
      if (best === undefined) return take(await opened);
      // Use a busy connection now; the new one takes requests once bound.
      opened.catch(() => undefined);
      return take(best);
    }
    // Every slot is being opened: wait for the first. When opening fails (an outage), fail at once
    // rather than queue behind connections that will not come.
    return take(await Promise.race(this.opening));
  }

  private openOne(): Promise<Pooled> {
    const opened: Promise<Pooled> = this.connectAndBind().then(
      async (slot) => {
        this.opening.delete(opened);
        if (this.closed) {
          await slot.client.unbind().catch(() => undefined);
          throw closedError();
        }
        this.live.push(slot);
        return slot;
      },
      (error: unknown) => {
        this.opening.delete(opened);
        throw error;
      },
    );
    this.opening.add(opened);
    return opened;
  }

  private retire(slot: Pooled): void {
    const index = this.live.indexOf(slot);
    if (index >= 0) this.live.splice(index, 1);
    slot.client.unbind().catch(() => undefined);
  }

  private async connectAndBind(): Promise<Pooled> {
    const slot = { ...(await this.connect()), inFlight: 0 };
    try {
      await withTimeout(slot.client.bind(this.options.bindDn, this.options.bindPassword), this.options.timeoutMs, 'bind');
      return slot;
    } catch (error) {
      await slot.client.unbind().catch(() => undefined);
      throw mapDirectoryError(error, { operation: 'serviceBind' });
    }
  }

  /** Tries each URL once, starting with the last healthy one. Throws DIRECTORY_UNAVAILABLE when none answers. */
  private async connect(): Promise<{ client: Client; url: string }> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.targets.length; attempt += 1) {
      const index = (this.preferred + attempt) % this.targets.length;
      const target = this.targets[index];
      if (target === undefined) continue;
      try {
        const client = await connectOne(target, this.secureContext, this.options.timeoutMs);
        if (index !== this.preferred) {
          this.options.logger.warn('directory failover: now using another URL', { url: target.url });
          this.preferred = index;
        }
        return { client, url: target.url };
      } catch (error) {
        lastError = error;
        const mapped = mapDirectoryError(error, { operation: 'serviceBind' });
        this.options.logger.warn('directory URL unusable', { url: target.url, reason: mapped.details.reason });
      }
    }
    throw mapDirectoryError(lastError, { operation: 'serviceBind' });
  }
}

function take(slot: Pooled): Pooled {
  slot.inFlight += 1;
  return slot;
}

function closedError(): AgentError {
  return new AgentError(ResultCode.DIRECTORY_UNAVAILABLE, 'the directory connection pool is closed', { details: { reason: 'POOL_CLOSED' } });
}
