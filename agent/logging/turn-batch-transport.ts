import TransportStream from 'winston-transport';
import { InfoSymbol } from './info-symbols.js';

/** How long closing waits for the target to flush before it lets shutdown go on. */
const END_TIMEOUT_MS = 5_000;

/**
 * A winston transport that collects the lines of one turn of the event loop and hands them to its
 * target transport as one entry joined by newlines, so a loaded agent pays the target's stream
 * writes (and the File transport's size bookkeeping: rotation still happens at `maxsize`, checked
 * after each entry) once per turn instead of once per line.
 *
 * One entry at a time is with the target: the next goes when the target has taken the last
 * (its callback, which the File transport holds back under back-pressure and during a rotation),
 * so the target never queues a listener per line; lines logged meanwhile join the next entry.
 * The target's errors come out as 'warn' events: an 'error' on a transport makes the logger's pipe
 * drop it (and winston re-adds it without its level), while a log that cannot be written must
 * neither stop logging nor crash the agent.
 */
export class TurnBatchTransport extends TransportStream {
  readonly #target: TransportStream;
  readonly #targetLog: (info: object, next: () => void) => unknown;
  #lines: string[] = [];
  #scheduled = false;
  #sending = false;
  #idle: (() => void) | null = null;

  /** `target` writes `info[MESSAGE]` plus a newline (winston's File and Stream transports do). */
  constructor(target: TransportStream, options: TransportStream.TransportStreamOptions = {}) {
    super(options);
    const targetLog = target.log?.bind(target);
    if (targetLog === undefined) throw new TypeError('the target transport has no log()');
    this.#target = target;
    this.#targetLog = targetLog;
    target.on('error', (error: Error) => this.emit('warn', error));
  }

  override log(info: Record<symbol, unknown>, next: () => void): void {
    this.#lines.push(String(info[InfoSymbol.message]));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#send());
    }
    next();
  }

  /** Ends the target after every line logged so far; finishes at its 'finish' or after END_TIMEOUT_MS. */
  override _final(callback: (error?: Error | null) => void): void {
    const end = (): void => {
      const timer = setTimeout(callback, END_TIMEOUT_MS);
      timer.unref();
      this.#target.once('finish', () => {
        clearTimeout(timer);
        callback();
      });
      this.#target.end();
    };
    this.#send();
    if (this.#sending) this.#idle = end;
    else end();
  }

  #send(): void {
    this.#scheduled = false;
    if (this.#sending || this.#lines.length === 0) return;
    const lines = this.#lines;
    this.#lines = [];
    this.#sending = true;
    this.#targetLog({ [InfoSymbol.level]: 'info', [InfoSymbol.message]: lines.length === 1 ? lines[0] : lines.join('\n') }, () => {
      this.#sending = false;
      if (this.#lines.length > 0) this.#send();
      else if (this.#idle !== null) {
        const idle = this.#idle;
        this.#idle = null;
        idle();
      }
    });
  }
}
