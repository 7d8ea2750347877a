import type winston from 'winston';
import { InfoSymbol } from './info-symbols.js';
import type { LogLine } from './log-line.js';

/**
 * Feeds one winston transport that writes `info[MESSAGE]` plus a newline and has no format of its
 * own (the File and Stream transports): the logger hands it the lines of one turn of the event
 * loop, rendered here and passed on as one entry joined by newlines, so a loaded agent pays the
 * transport's stream writes (and the File transport's size bookkeeping: rotation still happens at
 * `maxsize`, checked after each entry) once per turn instead of once per line.
 *
 * Like a pipe, it honours back-pressure: while the transport reports it, entries wait here in
 * order and go on at its 'drain'. Writing past it instead makes winston-transport hand its whole
 * buffer to the File transport at once, which then registers a 'drain' listener per entry.
 */
export class TransportSink {
  readonly #transport: winston.transport;
  readonly #render: (line: LogLine) => string;
  #waiting: object[] = [];
  #blocked = false;
  #idle: (() => void)[] = [];

  constructor(transport: winston.transport, render: (line: LogLine) => string) {
    this.#transport = transport;
    this.#render = render;
  }

  /** Hands the transport `lines` (one turn's worth) as one entry. */
  write(lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    const text = lines.length === 1 ? this.#render(lines[0]!) : lines.map(this.#render).join('\n');
    const entry = { [InfoSymbol.level]: 'info', [InfoSymbol.message]: text };
    if (this.#blocked) this.#waiting.push(entry);
    else this.#send(entry);
  }

  /** Ends the transport after every line written so far; resolves at its 'finish' or after `timeoutMs`. */
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

  #send(entry: object): void {
    if (this.#transport.write(entry)) return;
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
