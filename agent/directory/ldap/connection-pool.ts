/**
 * A small bounded pool of ldapts Clients bound as the agent's service account, with failover
 * across the configured URLs (the last healthy one is tried first), a re-bind after a dropped
 * connection, and one retry on another connection for requests the caller says are safe to repeat.
 */
import type { Client } from 'ldapts';
import type { Logger } from '../../config/directory-config.js';
import { AgentError } from '../../errors.js';
import { ResultCode } from '../../../protocol/codes.js';
import { isTransportFailure, mapDirectoryError } from './directory-errors.js';
import { connectOne, loadCa, parseLdapUrls, type LdapTransportOptions } from './ldap-connector.js';
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

interface Pooled {
  client: Client;
  url: string;
}

export class LdapConnectionPool {
  private readonly targets;
  private readonly ca;
  private readonly idle: Pooled[] = [];
  /** Requests waiting for a connection: given a slot, or the error that opening one for them met. */
  private readonly waiters: ((slot: Pooled | Error) => void)[] = [];
  private open = 0;
  private preferred = 0;
  private closed = false;

  constructor(private readonly options: ConnectionPoolOptions) {
    this.targets = parseLdapUrls(options);
    this.ca = loadCa(options.tls.caFile);
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('pool size must be a positive integer');
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
      this.options.logger.warn('directory connection failed during a request; retrying once on a fresh connection', { url: this.activeUrl });
      return this.runOn(await this.acquire(), fn);
    }
  }

  /**
   * Opens a separate connection, TLS done and not bound, for binding as a user (password change,
   * redelivery check). Not counted in the pool; `fn`'s connection is closed afterwards.
   */
  async withSeparateConnection<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const { client } = await this.connect();
    try {
      return await fn(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** Closes every connection; later calls fail with DIRECTORY_UNAVAILABLE. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(closedError());
    const idle = this.idle.splice(0);
    this.open -= idle.length;
    await Promise.all(idle.map(({ client }) => client.unbind().catch(() => undefined)));
  }

  private async runOn<T>(slot: Pooled, fn: (client: Client) => Promise<T>): Promise<T> {
    let healthy = true;
    try {
      return await fn(slot.client);
    } catch (error) {
      if (isTransportFailure(error)) healthy = false;
      throw error;
    } finally {
      this.release(slot, healthy);
    }
  }

  private async acquire(): Promise<Pooled> {
    if (this.closed) throw closedError();
    for (;;) {
      const slot = this.idle.pop();
      if (slot === undefined) break;
      // A connection the server dropped (restart, idle timeout) is replaced, and the new one re-binds.
      if (slot.client.isBound) return slot;
      this.open -= 1;
      slot.client.unbind().catch(() => undefined);
    }
    if (this.open < this.options.size) {
      this.open += 1;
      try {
        return await this.connectAndBind();
      } catch (error) {
        this.open -= 1;
        this.failWaiters(error);
        throw error;
      }
    }
    const slot = await new Promise<Pooled | Error>((resolve) => this.waiters.push(resolve));
    if (slot instanceof Error) throw slot;
    return slot;
  }

  private release(slot: Pooled, healthy: boolean): void {
    if (!healthy || this.closed || !slot.client.isBound) {
      this.open -= 1;
      slot.client.unbind().catch(() => undefined);
      this.wakeOne();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(slot);
    else this.idle.push(slot);
  }

  /** A slot freed without a connection: let one waiter open its own. */
  private wakeOne(): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) return;
    this.open += 1;
    this.connectAndBind().then(waiter, (error: unknown) => {
      this.open -= 1;
      waiter(error instanceof Error ? error : closedError());
      this.failWaiters(error);
    });
  }

  /**
   * Opening a connection just failed (every URL tried): the other waiters would meet the same,
   * and with no connection left in use nobody would ever wake them. Fail them now.
   */
  private failWaiters(error: unknown): void {
    const failure = error instanceof Error ? error : closedError();
    for (const waiter of this.waiters.splice(0)) waiter(failure);
  }

  private async connectAndBind(): Promise<Pooled> {
    const slot = await this.connect();
    try {
      await withTimeout(slot.client.bind(this.options.bindDn, this.options.bindPassword), this.options.timeoutMs, 'bind');
      return slot;
    } catch (error) {
      await slot.client.unbind().catch(() => undefined);
      throw mapDirectoryError(error, { operation: 'serviceBind' });
    }
  }

  /** Tries each URL once, starting with the last healthy one. Throws DIRECTORY_UNAVAILABLE when none answers. */
  private async connect(): Promise<Pooled> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.targets.length; attempt += 1) {
      const index = (this.preferred + attempt) % this.targets.length;
      const target = this.targets[index];
      if (target === undefined) continue;
      try {
        const client = await connectOne(target, this.ca, this.options.timeoutMs);
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

function closedError(): AgentError {
  return new AgentError(ResultCode.DIRECTORY_UNAVAILABLE, 'the directory connection pool is closed', { details: { reason: 'POOL_CLOSED' } });
}
