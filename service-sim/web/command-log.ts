import type { ServiceSim } from '../service-sim.js';
import type { Disposable } from '../events.js';

/** One command as the admin view lists it: what, for whom, and how long each step took. */
export interface CommandRecord {
  id: string;
  op: string;
  target: string;
  /** Who asked: the user page, the admin page, or another caller of the service (the demo story). */
  by: string;
  issuedAt: number;
  sentAt: number | null;
  ackAt: number | null;
  resultAt: number | null;
  code: string | null;
  reason: string | null;
}

/** The rows the page and its JSON endpoint show. */
export interface CommandRow {
  shortId: string;
  op: string;
  target: string;
  by: string;
  issued: string;
  status: string;
  statusClass: 'OK' | 'refused' | 'pending';
  timing: string;
}

const MAX_RECORDS = 200;

/**
 * Every command the service sends, from service-sim's events: `frame` (outgoing command frames give
 * op and target), `ack` and `result`. Commands this page issued are registered first with their origin.
 */
export class CommandLog {
  readonly #records = new Map<string, CommandRecord>();
  readonly #subscriptions: Disposable[];

  constructor(
    service: ServiceSim,
    private readonly now: () => number,
  ) {
    this.#subscriptions = [
      service.on('frame', (entry) => {
        if (entry.direction !== 'out' || entry.binary || !entry.text.includes('"command"')) return;
        const command = commandOf(entry.text);
        if (command === null) return;
        const record = this.#ensure(command.id, 'service');
        if (record.op === '?') record.op = command.op;
        if (record.target === '') record.target = command.target;
        record.sentAt ??= this.now();
      }),
      service.on('ack', (event) => {
        const record = this.#records.get(event.commandId);
        if (record !== undefined) record.ackAt ??= this.now();
      }),
      service.on('result', (event) => {
        const record = this.#ensure(event.result.commandId, 'service');
        record.resultAt ??= this.now();
        record.code = event.result.code;
        const reason = event.result.details['reason'];
        record.reason = typeof reason === 'string' && event.result.code === 'PASSWORD_POLICY' ? reason : null;
      }),
    ];
  }

  /** Called right after issuing, so the row says who asked. */
  issued(id: string, op: string, target: string, by: string): void {
    const record = this.#ensure(id, by);
    record.op = op;
    record.target = target;
    record.by = by;
  }

  rows(): CommandRow[] {
    return [...this.#records.values()].reverse().map((r) => {
      const after = (at: number | null): string => (at === null ? '…' : `${Math.max(0, at - r.issuedAt)} ms`);
      const status = r.code === null ? (r.ackAt !== null ? 'acknowledged' : r.sentAt !== null ? 'sent' : 'queued') : r.reason === null ? r.code : `${r.code} (${r.reason})`;
      return {
        shortId: r.id.slice(0, 8),
        op: r.op,
        target: r.target,
        by: r.by,
        issued: new Date(r.issuedAt).toISOString().slice(11, 19),
        status,
        statusClass: r.code === null ? 'pending' : r.code === 'OK' ? 'OK' : 'refused',
        // Waiting for an agent with credit shows only when there was a wait.
        timing: `${r.sentAt !== null && r.sentAt > r.issuedAt ? `sent ${after(r.sentAt)} · ` : r.sentAt === null ? 'not sent yet · ' : ''}ack ${after(r.ackAt)} · result ${after(r.resultAt)}`,
      };
    });
  }

  dispose(): void {
    for (const subscription of this.#subscriptions) subscription.dispose();
  }

  #ensure(id: string, by: string): CommandRecord {
    let record = this.#records.get(id);
    if (record === undefined) {
      record = { id, op: '?', target: '', by, issuedAt: this.now(), sentAt: null, ackAt: null, resultAt: null, code: null, reason: null };
      this.#records.set(id, record);
      if (this.#records.size > MAX_RECORDS) this.#records.delete(this.#records.keys().next().value!);
    }
    return record;
  }
}

function commandOf(text: string): { id: string; op: string; target: string } | null {
  try {
    const frame = JSON.parse(text) as { type?: unknown; command?: { id?: unknown; op?: unknown; target?: { value?: unknown } } };
    const command = frame.command;
    if (frame.type !== 'command' || command === undefined || typeof command.id !== 'string') return null;
    return { id: command.id, op: typeof command.op === 'string' ? command.op : '?', target: typeof command.target?.value === 'string' ? command.target.value : '' };
  } catch {
    return null;
  }
}
