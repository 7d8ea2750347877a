import pg from 'pg';
import type { ServiceLogger } from '../logger.js';
import { errorName } from '../logger.js';

/** The channel a submission notifies on PostgreSQL; every node listens and claims at once. */
export const COMMANDS_CHANNEL = 'writeback_commands';
const RETRY_MS = 2_000;

/**
 * LISTEN on one dedicated connection: a command submitted on any node wakes every node's
 * dispatcher at once instead of at its next poll. Polling stays the safety net: a notification
 * lost while the listener reconnects only costs one poll interval.
 */
export class PostgresWakeup {
  #client: pg.Client | null = null;
  #stopped = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly onWake: () => void,
    private readonly logger: ServiceLogger,
  ) {}

  async start(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.onWake());
    client.on('error', (error) => {
      this.logger.warn('the LISTEN connection failed; polling until it is back', { error: errorName(error) });
      this.#reconnect(client);
    });
    client.on('end', () => this.#reconnect(client));
    try {
      await client.connect();
      await client.query(`listen ${COMMANDS_CHANNEL}`);
      this.#client = client;
    } catch (error) {
      this.logger.warn('cannot LISTEN for new commands; polling only for now', { error: errorName(error) });
      this.#reconnect(client);
    }
  }

  #reconnect(client: pg.Client): void {
    if (this.#client === client) this.#client = null;
    void client.end().catch(() => undefined);
    if (this.#stopped || this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.start();
    }, RETRY_MS);
    this.#retry.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    await this.#client?.end().catch(() => undefined);
    this.#client = null;
  }
}
