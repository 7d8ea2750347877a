import type winston from 'winston';
import { InfoSymbol } from './info-symbols.js';

export interface TransportSinkOptions {
  /**
   * Hand the transport the finished texts (`info[MESSAGE]`) of all lines logged in one turn of the
   * event loop as one entry, joined by newlines. Only for a transport without a format of its own
   * that writes `info[MESSAGE]` plus a newline, i.e. the File transport; it then pays its stream
   * writes and size bookkeeping once per batch (rotation still happens at `maxsize`, checked
   * after each batch instead of each line).
   */
  batch?: boolean;
}

/**
 * Feeds one winston transport the way a pipe would: while the transport reports back-pressure,
 * entries wait here in order and go on at its 'drain'. Writing past back-pressure instead makes
 * winston-transport hand its whole buffer to the File transport at once, which then registers a
 * 'drain' listener per line.
 */
export class TransportSink {
  readonly #transport: winston.transport;
  readonly #batch: boolean;
  #texts: string[] = [];
  #batchScheduled = false;
  #waiting: object[] = [];
  #blocked = false;
  #idle: (() => void)[] = [];

  constructor(transport: winston.transport, options: TransportSinkOptions = {}) {
    this.#transport = transport;
    this.#batch = options.batch ?? false;
  }

  write(info: Record<symbol, unknown>): void {
    if (!this.#batch) {
      this.#deliver(info);
      return;
    }
    this.#texts.push(info[InfoSymbol.message] as string);
    if (this.#batchScheduled) return;
    this.#batchScheduled = true;
    setImmediate(() => this.#flushBatch());
  }

  /** Ends the transport after every line written so far; resolves at its 'finish' or after `timeoutMs`. */
  async end(timeoutMs: number): Promise<void> {
    this.#flushBatch();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      const finish = (): void => {
        this.#transport.once('finish', () => {
          clearTimeout(timer);
          resolve();
        });
        this.#transport.end();
      };
      if (this.#blocked) this.#idle.push(finish);
      else finish();
    });
  }

  #flushBatch(): void {
    this.#batchScheduled = false;
    if (this.#texts.length === 0) return;
    const text = this.#texts.length === 1 ? this.#texts[0]! : this.#texts.join('\n');
    this.#texts = [];
    this.#deliver({ [InfoSymbol.level]: 'info', [InfoSymbol.message]: text });
  }

  #deliver(info: object): void {
    if (this.#blocked) {
      this.#waiting.push(info);
      return;
    }
    this.#send(info);
  }

  #send(info: object): void {
    if (this.#transport.write(info)) return;
    this.#blocked = true;
    this.#transport.once('drain', () => this.#resume());
  }

  #resume(): void {
    this.#blocked = false;
    const waiting = this.#waiting;
    let index = 0;
    while (index < waiting.length && !this.#blocked) this.#send(waiting[index++]!);
    this.#waiting = waiting.slice(index);
    if (this.#blocked) return;
    for (const idle of this.#idle.splice(0)) idle();
  }
}
