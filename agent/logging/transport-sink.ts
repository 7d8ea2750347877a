import type winston from 'winston';

/**
 * Feeds one winston transport the way a pipe would: while the transport reports back-pressure,
 * lines wait here in order and go on at its 'drain'. Writing past back-pressure instead makes
 * winston-transport hand its whole buffer to the File transport at once, which then registers a
 * 'drain' listener per line.
 */
export class TransportSink {
  readonly #transport: winston.transport;
  #waiting: object[] = [];
  #blocked = false;
  #idle: (() => void)[] = [];

  constructor(transport: winston.transport) {
    this.#transport = transport;
  }

  write(info: object): void {
    if (this.#blocked) {
      this.#waiting.push(info);
      return;
    }
    this.#send(info);
  }

  /** Ends the transport after every waiting line; resolves at its 'finish' or after `timeoutMs`. */
  async end(timeoutMs: number): Promise<void> {
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
