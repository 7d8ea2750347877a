import type { Client } from 'ldapts';

/** How long a user connection is kept idle for the next user bind. */
export const USER_IDLE_MS = 30_000;

interface Idle {
  client: Client;
  timer: NodeJS.Timeout;
}

/**
 * The connections a pool uses for binds as users (never those bound as the service account): at
 * most `limit` open, busy or idle. A caller past the limit waits for one to be released rather than
 * open another: the benchmark's soak, 32 commands in flight and most of them checking a password
 * with a user bind, opened and closed about 66 connections a second with an idle cache alone. An
 * idle connection is closed after `idleMs`. Which identity a connection carries is the caller's
 * business: LdapConnectionPool.withUserBind begins every use with a bind.
 */
export class UserConnections {
  /** Open or being opened, busy or idle. */
  #open = 0;
  readonly #idle: Idle[] = [];
  /** Waiting for a connection: given one (reused), or null (a slot, counted for them: open one). */
  readonly #waiting: ((handed: Client | null) => void)[] = [];
  #closed = false;

  constructor(
    private readonly connect: () => Promise<Client>,
    private readonly limit: number,
    private readonly idleMs = USER_IDLE_MS,
  ) {}

  /** Open connections, busy or idle (for tests). */
  get size(): number {
    return this.#open;
  }

  /** An idle connection (reused: true), a new one, or, at the limit, the next one released. */
  async acquire(): Promise<{ client: Client; reused: boolean }> {
    for (let kept = this.#idle.pop(); kept !== undefined; kept = this.#idle.pop()) {
      clearTimeout(kept.timer);
      if (kept.client.isConnected) return { client: kept.client, reused: true };
      this.#discard(kept.client);
    }
    if (this.#open >= this.limit) {
      const handed = await new Promise<Client | null>((resolve) => this.#waiting.push(resolve));
      if (handed !== null) return { client: handed, reused: true };
    } else {
      this.#open += 1;
    }
    // A slot is counted for this caller from here.
    try {
      return { client: await this.connect(), reused: false };
    } catch (error) {
      this.#freeSlot();
      throw error;
    }
  }

  /** Back for the next caller (`healthy`), or closed (a transport failure, or the set is closed). */
  release(client: Client, healthy: boolean): void {
    if (!healthy || this.#closed || !client.isConnected) {
      this.#discard(client);
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) {
      waiter(client);
      return;
    }
    const kept: Idle = {
      client,
      timer: setTimeout(() => {
        const index = this.#idle.indexOf(kept);
        if (index >= 0) this.#idle.splice(index, 1);
        this.#discard(client);
      }, this.idleMs),
    };
    kept.timer.unref();
    this.#idle.push(kept);
  }

  /** Closes the idle connections `which` picks (those to a server that just dropped one); busy ones are left to their users. */
  discardIdle(which: (client: Client) => boolean): void {
    for (const kept of this.#idle.filter(({ client }) => which(client))) {
      this.#idle.splice(this.#idle.indexOf(kept), 1);
      clearTimeout(kept.timer);
      this.#discard(kept.client);
    }
  }

  /** Closes the idle connections; busy ones close when released; waiters are failed. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    for (const { timer } of idle) clearTimeout(timer);
    for (const waiter of this.#waiting.splice(0)) {
      this.#open += 1;
      waiter(null);
    }
    await Promise.all(idle.map(({ client }) => client.unbind().catch(() => undefined)));
  }

  #discard(client: Client): void {
    client.unbind().catch(() => undefined);
    this.#freeSlot();
  }

  /** A connection went away: its slot goes to the next waiter (who opens one) or is freed. */
  #freeSlot(): void {
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter(null);
    else this.#open -= 1;
  }
}
