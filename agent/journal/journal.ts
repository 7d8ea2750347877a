import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgentError } from '../errors.js';
import { findSecretField } from '../logging/secret-keys.js';
import { ensurePrivateDir } from '../state/private-dir.js';
import { writeFileAtomic } from '../state/write-file-atomic.js';
import { JournalState, type JournalBegin, type JournalEntry, type JournalRecord } from './journal-entry.js';

export interface JournalOptions {
  /** The JSON-lines file, e.g. `<stateDir>/journal.jsonl`. */
  path: string;
  now?: () => Date;
  /** How long acknowledged entries are kept by compact(); default 7 days. */
  retentionMs?: number;
  /** Default true. False only for the benchmark that measures what the fsync costs. */
  fsync?: boolean;
}

export interface JournalStats {
  path: string;
  fileBytes: number;
  entries: number;
  received: number;
  applying: number;
  done: number;
  acknowledged: number;
  /** fsyncs done since open (group commit makes this lower than the number of writes). */
  syncs: number;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The durable record of command ids (SPEC.md section 7): an append-only JSON-lines file, fsync'd
 * before any promise resolves. Concurrent writers share one fsync (group commit). State changes are
 * visible to `get` at once; durability is what the returned promise waits for.
 */
export class Journal {
  readonly path: string;
  readonly #now: () => Date;
  readonly #retentionMs: number;
  readonly #fsync: boolean;
  readonly #entries = new Map<string, JournalEntry>();
  readonly #inFlightAtStartup: JournalEntry[];
  #handle: FileHandle;
  #fileBytes: number;
  #pending: Pending[] = [];
  #flushScheduled = false;
  #io: Promise<void> = Promise.resolve();
  #failure: AgentError | null = null;
  #closed = false;
  #syncs = 0;

  private constructor(options: JournalOptions, handle: FileHandle, records: JournalRecord[], fileBytes: number) {
    this.path = options.path;
    this.#now = options.now ?? (() => new Date());
    this.#retentionMs = options.retentionMs ?? 7 * DAY_MS;
    this.#fsync = options.fsync ?? true;
    this.#handle = handle;
    this.#fileBytes = fileBytes;
    for (const record of records) this.#apply(record);
    this.#inFlightAtStartup = [...this.#entries.values()]
      .filter((e) => e.state === JournalState.received || e.state === JournalState.applying)
      .map((e) => structuredClone(e));
  }

  /** Opens (creating) the journal and replays it; a torn last line (crash mid-write) is dropped. */
  static async open(options: JournalOptions): Promise<Journal> {
    await ensurePrivateDir(dirname(options.path));
    let text = '';
    try {
      text = await readFile(options.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n');
    const tail = lines.pop() ?? '';
    const records: JournalRecord[] = [];
    lines.forEach((line, index) => {
      if (line === '') return;
      try {
        records.push(JSON.parse(line) as JournalRecord);
      } catch {
        throw new AgentError('INTERNAL', `journal ${options.path} is corrupt at line ${index + 1}; stop the agent, move the file aside and restart (commands in it may then be applied again if re-sent)`);
      }
    });
    let fileBytes = Buffer.byteLength(text);
    if (tail !== '') {
      // The last write never finished: it was not fsync'd, so no promise resolved for it. Drop it.
      fileBytes -= Buffer.byteLength(tail);
      await truncate(options.path, fileBytes);
    }
    const handle = await open(options.path, 'a', 0o600);
    await handle.chmod(0o600);
    return new Journal(options, handle, records, fileBytes);
  }

  /** Records a command that passed schema, signature and tenant checks (state `received`). */
  begin(id: string, info: JournalBegin): Promise<void> {
    if (this.#entries.has(id)) return Promise.reject(new AgentError('INTERNAL', `journal already has command ${id}`));
    return this.#write({ r: 'begin', id, op: info.op, target: info.target, directory: info.directory, receivedAt: info.receivedAt, expiresAt: info.expiresAt });
  }

  /** Marks the moment just before the directory write; after a crash this says "maybe applied". */
  markApplying(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry?.state !== JournalState.received && entry?.state !== JournalState.applying) {
      return Promise.reject(new AgentError('INTERNAL', `journal cannot mark ${id} applying from state ${entry?.state ?? 'unknown'}`));
    }
    return this.#write({ r: 'applying', id, at: this.#nowText() });
  }

  /** Keeps the signed result frame to (re-)send until acknowledged (state `done`). */
  complete(id: string, signedResultFrame: unknown): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry?.state !== JournalState.received && entry?.state !== JournalState.applying) {
      return Promise.reject(new AgentError('INTERNAL', `journal cannot complete ${id} from state ${entry?.state ?? 'unknown'}`));
    }
    return this.#write({ r: 'done', id, at: this.#nowText(), result: signedResultFrame });
  }

  /** The service stored the result. False (and nothing written) for an id not awaiting an ack. */
  async acknowledge(id: string): Promise<boolean> {
    if (this.#entries.get(id)?.state !== JournalState.done) return false;
    await this.#write({ r: 'ack', id, at: this.#nowText() });
    return true;
  }

  get(id: string): JournalEntry | undefined {
    const entry = this.#entries.get(id);
    return entry === undefined ? undefined : structuredClone(entry);
  }

  /** Entries whose result the service has not acknowledged, oldest completion first (to re-send after welcome). */
  unacknowledged(): JournalEntry[] {
    return [...this.#entries.values()]
      .filter((e) => e.state === JournalState.done)
      .sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? ''))
      .map((e) => structuredClone(e));
  }

  /** Entries that were `received` or `applying` when the previous process stopped (as of open). */
  inFlightAtStartup(): JournalEntry[] {
    return structuredClone(this.#inFlightAtStartup);
  }

  /** Rewrites the file without acknowledged entries older than the retention window. */
  compact(): Promise<{ dropped: number; kept: number }> {
    if (this.#closed) return Promise.reject(new AgentError('INTERNAL', 'journal is closed'));
    const run = this.#io.then(() => this.#rewrite());
    this.#io = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  stats(): JournalStats {
    const count = (state: JournalState): number => [...this.#entries.values()].filter((e) => e.state === state).length;
    return {
      path: this.path,
      fileBytes: this.#fileBytes,
      entries: this.#entries.size,
      received: count(JournalState.received),
      applying: count(JournalState.applying),
      done: count(JournalState.done),
      acknowledged: count(JournalState.acknowledged),
      syncs: this.#syncs,
    };
  }

  /** Waits for pending writes, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#io;
    await this.#handle.close();
  }

  #nowText(): string {
    return this.#now().toISOString();
  }

  #write(record: JournalRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new AgentError('INTERNAL', 'journal is closed'));
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const secret = findSecretField(record);
    if (secret !== null) return Promise.reject(new AgentError('INTERNAL', `refusing to journal a secret-looking field (${secret}); journals never hold secrets`));
    const line = `${JSON.stringify(record)}\n`;
    this.#apply(record);
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        this.#io = this.#io.then(() => this.#flush());
      }
    });
  }

  /** One write and one fsync for everything queued since the last flush. */
  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    const data = batch.map((p) => p.line).join('');
    try {
      await this.#handle.write(data);
      if (this.#fsync) {
        await this.#handle.datasync();
        this.#syncs++;
      }
      this.#fileBytes += Buffer.byteLength(data);
      for (const p of batch) p.resolve();
    } catch (error) {
      // A journal that cannot be written must stop the pipeline: acking without a record breaks idempotency.
      this.#failure = new AgentError('INTERNAL', `journal ${this.path} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the disk, then restart the agent`, { cause: error });
      for (const p of batch) p.reject(this.#failure);
    }
  }

  async #rewrite(): Promise<{ dropped: number; kept: number }> {
    if (this.#failure !== null) throw this.#failure;
    // Queued lines are already reflected in #entries, so the snapshot covers them.
    const covered = this.#pending.splice(0);
    const cutoff = this.#now().getTime() - this.#retentionMs;
    let dropped = 0;
    for (const [id, entry] of this.#entries) {
      if (entry.state === JournalState.acknowledged && Date.parse(entry.acknowledgedAt ?? '') < cutoff) {
        this.#entries.delete(id);
        dropped++;
      }
    }
    const data = [...this.#entries.values()].map((e) => `${JSON.stringify({ r: 'entry', ...e })}\n`).join('');
    try {
      await this.#handle.close();
      await writeFileAtomic(this.path, data, { mode: 0o600 });
      this.#handle = await open(this.path, 'a', 0o600);
      this.#fileBytes = Buffer.byteLength(data);
      for (const p of covered) p.resolve();
    } catch (error) {
      this.#failure = new AgentError('INTERNAL', `journal ${this.path} could not be compacted (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the disk, then restart the agent`, { cause: error });
      for (const p of covered) p.reject(this.#failure);
      throw this.#failure;
    }
    return { dropped, kept: this.#entries.size };
  }

  #apply(record: JournalRecord): void {
    if (record.r === 'entry') {
      const { r: _r, ...entry } = record;
      this.#entries.set(entry.id, entry);
      return;
    }
    if (record.r === 'begin') {
      this.#entries.set(record.id, {
        id: record.id,
        state: JournalState.received,
        op: record.op,
        target: record.target,
        directory: record.directory,
        receivedAt: record.receivedAt,
        expiresAt: record.expiresAt,
        applyingAt: null,
        completedAt: null,
        acknowledgedAt: null,
        result: null,
      });
      return;
    }
    const entry = this.#entries.get(record.id);
    if (entry === undefined) return;
    if (record.r === 'applying') {
      entry.state = JournalState.applying;
      entry.applyingAt = record.at;
    } else if (record.r === 'done') {
      entry.state = JournalState.done;
      entry.completedAt = record.at;
      entry.result = record.result;
    } else {
      entry.state = JournalState.acknowledged;
      entry.acknowledgedAt = record.at;
    }
  }
}
