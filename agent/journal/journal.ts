import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ResultMessage } from '../../protocol/index.js';
import { AgentError } from '../errors.js';
import { findSecretField } from '../logging/secret-keys.js';
import { assertPrivateFile, ensurePrivateDir } from '../state/private-dir.js';
import { appendSync } from '../state/append-sync.js';
import { syncDirectory } from '../state/write-file-atomic.js';
import { AckedIndex, type AckedPlace } from './acked-index.js';
import { JournalState, type JournalBegin, type JournalEntry, type JournalEntryIn, type JournalRecord } from './journal-entry.js';
import { readJournalLines, readLineSync } from './journal-lines.js';

export interface JournalOptions {
  /** The JSON-lines file, e.g. `<stateDir>/journal.jsonl`. */
  path: string;
  now?: () => Date;
  /** How long acknowledged entries are kept by compact(); default 7 days. */
  retentionMs?: number;
  /** An id is kept at least until its command's expiresAt plus this (the allowed clock skew); default 5 minutes. */
  keepAfterExpiryMs?: number;
  /** Monotonic milliseconds (performance.now): what tells a jump of the wall clock; injected by tests. */
  monotonicMs?: () => number;
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

/** Called once the line is in the file, with its byte range (without the newline) and the entry it put in memory. */
type OnWritten = (offset: number, length: number, stored: JournalEntry | null) => void;

interface Pending {
  line: string;
  onWritten: OnWritten | null;
  stored: JournalEntry | null;
  /** Must be on disk before `resolve` (everything but acknowledgements). */
  durable: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const REWRITE_CHUNK_BYTES = 1 << 20;

/**
 * A flush waits until the event loop has run the rest of this turn's I/O callbacks: under load
 * one socket read finishes several commands, and their records now join one write and one fsync
 * instead of the first going alone. Costs no timer, so a lone command waits only for the loop.
 */
function restOfTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The durable record of command ids (SPEC.md section 7): an append-only JSON-lines file, fsync'd
 * before any promise resolves. Concurrent writers share one fsync (group commit). State changes are
 * visible to `get` at once; durability is what the returned promise waits for.
 *
 * Memory: entries not yet acknowledged are held whole (few: in flight or awaiting a resultAck).
 * An acknowledgement is written as one self-contained `entry` line; once it is in the file only
 * its byte range stays in memory (AckedIndex), and `get` reads the entry back from the file.
 */
export class Journal {
  readonly path: string;
  readonly #now: () => Date;
  readonly #retentionMs: number;
  readonly #keepAfterExpiryMs: number;
  readonly #monotonicMs: () => number;
  /** Wall and monotonic clocks when the journal was opened: compaction's clock-jump guard. */
  readonly #openedAt: { wallMs: number; monotonicMs: number };
  /** The latest expiresAt (ms) of the ids compaction dropped; 0 when none. */
  #horizonMs = 0;
  readonly #fsync: boolean;
  /** Entries held whole: received, applying, done, and acknowledged until their line is written. */
  readonly #live = new Map<string, JournalEntry>();
  /** Acknowledged entries whose `entry` line is in the file. */
  #acked = new AckedIndex();
  readonly #counts: Record<JournalState, number> = { received: 0, applying: 0, done: 0, acknowledged: 0 };
  #inFlightAtStartup: JournalEntry[] = [];
  #handle: FileHandle;
  #fileBytes = 0;
  #pending: Pending[] = [];
  #flushScheduled = false;
  #io: Promise<void> = Promise.resolve();
  #failure: AgentError | null = null;
  #closed = false;
  #syncs = 0;

  private constructor(options: JournalOptions, handle: FileHandle) {
    this.path = options.path;
    this.#now = options.now ?? (() => new Date());
    this.#retentionMs = options.retentionMs ?? 7 * DAY_MS;
    this.#keepAfterExpiryMs = options.keepAfterExpiryMs ?? 5 * 60_000;
    this.#monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.#openedAt = { wallMs: this.#now().getTime(), monotonicMs: this.#monotonicMs() };
    this.#fsync = options.fsync ?? true;
    this.#handle = handle;
  }

  /** Opens (creating) the journal and replays it; a torn last line (crash mid-write) is dropped. */
  static async open(options: JournalOptions): Promise<Journal> {
    await ensurePrivateDir(dirname(options.path));
    // Read and append through one descriptor: `get` reads acknowledged entries back by offset.
    const handle = await open(options.path, 'a+', 0o600);
    try {
      await handle.chmod(0o600);
      // On Windows the mode means nothing: this checks the file's ACL (windows-acl-check.ts).
      assertPrivateFile(options.path, await handle.stat());
      const journal = new Journal(options, handle);
      let lineNumber = 0;
      const { completeBytes, tailBytes } = await readJournalLines(handle, (text, offset, length) => {
        lineNumber++;
        if (text === '') return;
        let record: JournalRecord;
        try {
          record = JSON.parse(text) as JournalRecord;
        } catch {
          throw new AgentError(
            'INTERNAL',
            `journal ${options.path} is corrupt at line ${lineNumber}; stop the agent, move the file aside and restart (commands in it may then be applied again if re-sent)`,
          );
        }
        journal.#apply(record, { offset, length });
      });
      // The last write never finished: it was not fsync'd, so no promise resolved for it. Drop it.
      if (tailBytes > 0) await handle.truncate(completeBytes);
      journal.#fileBytes = completeBytes;
      journal.#inFlightAtStartup = [...journal.#live.values()].filter((e) => e.state === JournalState.received || e.state === JournalState.applying).map((e) => structuredClone(e));
      return journal;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Records a command that passed schema, signature and tenant checks (state `received`). */
  begin(id: string, info: JournalBegin): Promise<void> {
    if (this.#live.has(id) || this.#acked.has(id)) return Promise.reject(new AgentError('INTERNAL', `journal already has command ${id}`));
    return this.#write({ r: 'begin', id, op: info.op, target: info.target, directory: info.directory, receivedAt: info.receivedAt, expiresAt: info.expiresAt });
  }

  /**
   * Notes the moment just before the directory write (state `applying`, for `status` and the
   * record). Not fsync'd on its own: after a crash every command still `received` or `applying`
   * counts as maybe applied and is checked against the directory before any write, so this line
   * decides nothing and the write need not wait for a disk flush.
   */
  markApplying(id: string): Promise<void> {
    const entry = this.#live.get(id);
    if (entry?.state !== JournalState.received && entry?.state !== JournalState.applying) {
      return Promise.reject(new AgentError('INTERNAL', `journal cannot mark ${id} applying from state ${this.#stateOf(id) ?? 'unknown'}`));
    }
    return this.#write({ r: 'applying', id, at: this.#nowText() }, null, false);
  }

  /** Keeps the signed result frame to (re-)send until acknowledged (state `done`). */
  complete(id: string, signedResultFrame: ResultMessage): Promise<void> {
    const entry = this.#live.get(id);
    if (entry?.state !== JournalState.received && entry?.state !== JournalState.applying) {
      return Promise.reject(new AgentError('INTERNAL', `journal cannot complete ${id} from state ${this.#stateOf(id) ?? 'unknown'}`));
    }
    return this.#write({ r: 'done', id, at: this.#nowText(), result: signedResultFrame });
  }

  /** The service stored the result. False (and nothing written) for an id not awaiting an ack. */
  async acknowledge(id: string): Promise<boolean> {
    const entry = this.#live.get(id);
    if (entry?.state !== JournalState.done) return false;
    // One self-contained line, so the entry can later be read back from the file alone. Not
    // fsync'd on its own (the next durable write carries it to disk): should a crash lose it, the
    // result is re-sent after the next welcome and the service, which has it, acknowledges it
    // again. One fsync fewer per command, and fewer for the others to queue behind.
    await this.#write(
      { r: 'entry', ...entry, state: JournalState.acknowledged, acknowledgedAt: this.#nowText() },
      (offset, length, stored) => {
        if (stored !== null) this.#park(id, stored, offset, length);
      },
      false,
    );
    return true;
  }

  /**
   * The entry for `id`, or undefined. A copy: changing it changes nothing here. For an acknowledged
   * entry this reads its line from the file (synchronously; only duplicates of old commands ask).
   */
  get(id: string): JournalEntry | undefined {
    const entry = this.#live.get(id);
    if (entry !== undefined) return { ...entry };
    const place = this.#acked.get(id);
    return place === undefined ? undefined : this.#readAcked(id, place);
  }

  /** Entries whose result the service has not acknowledged, oldest completion first (to re-send after welcome). */
  unacknowledged(): JournalEntryIn<'done'>[] {
    return [...this.#live.values()]
      .filter((e): e is JournalEntryIn<'done'> => e.state === JournalState.done)
      .sort((a, b) => compareText(a.completedAt, b.completedAt))
      .map((e) => ({ ...e }));
  }

  /** Entries that were `received` or `applying` when the previous process stopped (as of open). */
  inFlightAtStartup(): JournalEntry[] {
    return structuredClone(this.#inFlightAtStartup);
  }

  /**
   * The latest expiresAt (ms since the epoch) of the ids compaction dropped, or null. A command that
   * expires no later than this may be one of them: the pipeline refuses it whatever the clock says.
   */
  replayHorizon(): number | null {
    return this.#horizonMs > 0 ? this.#horizonMs : null;
  }

  /**
   * Rewrites the file without acknowledged entries older than the retention window whose commands
   * expired (plus the skew) by both the wall and the monotonic clock.
   */
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
    return {
      path: this.path,
      fileBytes: this.#fileBytes,
      entries: this.#live.size + this.#acked.size,
      received: this.#counts.received,
      applying: this.#counts.applying,
      done: this.#counts.done,
      acknowledged: this.#counts.acknowledged,
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

  #stateOf(id: string): JournalState | undefined {
    return this.#live.get(id)?.state ?? (this.#acked.has(id) ? JournalState.acknowledged : undefined);
  }

  #readAcked(id: string, place: AckedPlace): JournalEntry {
    if (this.#closed) throw new AgentError('INTERNAL', 'journal is closed');
    const text = readLineSync(this.#handle.fd, place.offset, place.length);
    let record: JournalRecord | null = null;
    try {
      record = JSON.parse(text) as JournalRecord;
    } catch {
      // Reported below.
    }
    if (record?.r !== 'entry' || record.id !== id) {
      throw new AgentError('INTERNAL', `journal ${this.path} does not hold command ${id} where it was written; stop the agent, move the file aside and restart`);
    }
    const { r: _r, ...entry } = record;
    return entry;
  }

  /** The acknowledged entry's line is in the file: keep only where it is, unless it changed meanwhile. */
  #park(id: string, entry: JournalEntry, offset: number, length: number): void {
    if (this.#live.get(id) !== entry) return;
    this.#live.delete(id);
    this.#acked.set(id, placeOf(entry, offset, length));
  }

  #write(record: JournalRecord, onWritten: OnWritten | null = null, durable = true): Promise<void> {
    if (this.#closed) return Promise.reject(new AgentError('INTERNAL', 'journal is closed'));
    if (this.#failure !== null) return Promise.reject(this.#failure);
    // An `entry` line repeats fields that were checked when first written: skip the walk over the result.
    const secret = record.r === 'entry' ? null : findSecretField(record);
    if (secret !== null) return Promise.reject(new AgentError('INTERNAL', `refusing to journal a secret-looking field (${secret}); journals never hold secrets`));
    const line = `${JSON.stringify(record)}\n`;
    const stored = this.#apply(record, null);
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, onWritten, stored, durable, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        this.#io = this.#io.then(restOfTurn).then(() => this.#flush());
      }
    });
  }

  /** One write and one fsync for everything queued since the last flush (no fsync when none of it must be durable). */
  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    const data = batch.map((p) => p.line).join('');
    try {
      appendSync(this.#handle.fd, data);
      if (this.#fsync && batch.some((p) => p.durable)) {
        await this.#handle.datasync();
        this.#syncs++;
      }
      // O_APPEND and one flush at a time: the batch landed at the old end of the file.
      let offset = this.#fileBytes;
      for (const p of batch) {
        const bytes = Buffer.byteLength(p.line);
        p.onWritten?.(offset, bytes - 1, p.stored);
        offset += bytes;
      }
      this.#fileBytes = offset;
      for (const p of batch) p.resolve();
    } catch (error) {
      // A journal that cannot be written must stop the pipeline: acking without a record breaks idempotency.
      this.#failure = new AgentError('INTERNAL', `journal ${this.path} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the disk, then restart the agent`, {
        cause: error,
      });
      for (const p of batch) p.reject(this.#failure);
    }
  }

  /**
   * Writes the kept entries to a temporary file, streaming acknowledged lines from the old file
   * byte for byte, then renames it over the journal (crash-safe), and switches to a rebuilt index
   * of the new offsets in the same synchronous step that switches the file handle.
   */
  async #rewrite(): Promise<{ dropped: number; kept: number }> {
    if (this.#failure !== null) throw this.#failure;
    // Queued lines are already reflected in memory, so the snapshot covers them.
    const covered = this.#pending.splice(0);
    const wallMs = this.#now().getTime();
    const cutoff = wallMs - this.#retentionMs;
    // A wall clock that jumped forward since the journal was opened must not expire ids whose
    // commands are still valid: expiry is judged by the earlier of the wall and monotonic clocks.
    const expiredBefore = Math.min(wallMs, this.#openedAt.wallMs + (this.#monotonicMs() - this.#openedAt.monotonicMs)) - this.#keepAfterExpiryMs;
    const droppable = (acknowledgedAtMs: number, expiresAtMs: number): boolean => acknowledgedAtMs < cutoff && expiresAtMs < expiredBefore;
    let dropped = 0;
    let horizonMs = this.#horizonMs;
    const kept: { id: string; ref: AckedPlace | null; entry: JournalEntry | null; line: string | null }[] = [];
    for (const [id, place] of this.#acked.entries()) {
      if (droppable(place.acknowledgedAtMs, place.expiresAtMs)) {
        horizonMs = Math.max(horizonMs, place.expiresAtMs);
        this.#acked.delete(id);
        this.#counts.acknowledged--;
        dropped++;
      } else {
        kept.push({ id, ref: place, entry: null, line: null });
      }
    }
    for (const [id, entry] of this.#live) {
      if (entry.state === JournalState.acknowledged && droppable(Date.parse(entry.acknowledgedAt ?? ''), expiresAtMsOf(entry))) {
        horizonMs = Math.max(horizonMs, expiresAtMsOf(entry));
        this.#live.delete(id);
        this.#counts.acknowledged--;
        dropped++;
        continue;
      }
      kept.push({ id, ref: null, entry, line: JSON.stringify({ r: 'entry', ...entry }) });
    }
    const dir = dirname(this.path);
    const temp = join(dir, `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const placed: { id: string; offset: number; length: number; entry: JournalEntry | null; ref: AckedPlace | null }[] = [];
    let next: FileHandle | null = null;
    let size = 0;
    try {
      const out = await open(temp, 'wx', 0o600);
      try {
        let parts: Buffer[] = [];
        let partBytes = 0;
        if (horizonMs > 0) {
          const line = Buffer.from(`${JSON.stringify({ r: 'horizon', expiresAt: new Date(horizonMs).toISOString() })}\n`);
          parts.push(line);
          size += line.length;
          partBytes += line.length;
        }
        for (const item of kept) {
          const bytes = item.ref !== null ? await this.#readRange(item.ref) : Buffer.from(item.line ?? '');
          parts.push(bytes, NEWLINE_BUFFER);
          placed.push({ id: item.id, offset: size, length: bytes.length, entry: item.entry, ref: item.ref });
          size += bytes.length + 1;
          partBytes += bytes.length + 1;
          if (partBytes >= REWRITE_CHUNK_BYTES) {
            await out.write(Buffer.concat(parts));
            parts = [];
            partBytes = 0;
          }
        }
        if (partBytes > 0) await out.write(Buffer.concat(parts));
        await out.chmod(0o600);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(temp, this.path);
      await syncDirectory(dir);
      next = await open(this.path, 'a+', 0o600);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      this.#failure = new AgentError('INTERNAL', `journal ${this.path} could not be compacted (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the disk, then restart the agent`, {
        cause: error,
      });
      for (const p of covered) p.reject(this.#failure);
      throw this.#failure;
    }
    // Synchronous from here: `get` never sees a handle and offsets that disagree. The index did
    // not change meanwhile: only a flush adds to it, and flushes wait for this rewrite.
    const old = this.#handle;
    this.#handle = next;
    this.#fileBytes = size;
    this.#horizonMs = horizonMs;
    this.#acked = new AckedIndex();
    for (const p of placed) {
      if (p.ref !== null) this.#acked.set(p.id, { ...p.ref, offset: p.offset, length: p.length });
      else if (p.entry?.state === JournalState.acknowledged) this.#park(p.id, p.entry, p.offset, p.length);
    }
    for (const p of covered) p.resolve();
    await old.close();
    return { dropped, kept: this.#live.size + this.#acked.size };
  }

  async #readRange(ref: AckedPlace): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(ref.length);
    let done = 0;
    while (done < ref.length) {
      const { bytesRead } = await this.#handle.read(buffer, done, ref.length - done, ref.offset + done);
      if (bytesRead === 0) throw new AgentError('INTERNAL', `journal ${this.path} is shorter than its index`);
      done += bytesRead;
    }
    return buffer;
  }

  /** Applies a record to memory; `at` is its place in the file when replaying. Returns the entry held whole, if any. */
  #apply(record: JournalRecord, at: { offset: number; length: number } | null): JournalEntry | null {
    if (record.r === 'horizon') {
      this.#horizonMs = Math.max(this.#horizonMs, Date.parse(record.expiresAt) || 0);
      return null;
    }
    if (record.r === 'entry' || record.r === 'begin') {
      this.#forget(record.id);
      if (record.r === 'entry') {
        const { r: _r, ...entry } = record;
        this.#counts[entry.state]++;
        if (entry.state === JournalState.acknowledged && at !== null) {
          this.#acked.set(entry.id, placeOf(entry, at.offset, at.length));
          return null;
        }
        this.#live.set(entry.id, entry);
        return entry;
      }
      const entry: JournalEntry = {
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
      };
      this.#live.set(record.id, entry);
      this.#counts.received++;
      return entry;
    }
    const entry = this.#live.get(record.id);
    if (entry === undefined) return null;
    const next = transition(entry, record);
    if (next === entry) return entry;
    this.#counts[entry.state]--;
    this.#counts[next.state]++;
    this.#live.set(record.id, next);
    return next;
  }

  #forget(id: string): void {
    const entry = this.#live.get(id);
    if (entry !== undefined) {
      this.#counts[entry.state]--;
      this.#live.delete(id);
    } else if (this.#acked.delete(id)) {
      this.#counts.acknowledged--;
    }
  }
}

const NEWLINE_BUFFER = Buffer.from('\n');

/**
 * The entry after an `applying`, `done` or `ack` line: a new object in the next state. An `ack`
 * line (journals written before acknowledgements were self-contained) follows its `done` line.
 */
function transition(entry: JournalEntry, record: Extract<JournalRecord, { r: 'applying' | 'done' | 'ack' }>): JournalEntry {
  if (record.r === 'applying') return { ...entry, state: JournalState.applying, applyingAt: record.at, completedAt: null, acknowledgedAt: null, result: null };
  if (record.r === 'done') return { ...entry, state: JournalState.done, completedAt: record.at, acknowledgedAt: null, result: record.result };
  if (entry.state !== JournalState.done && entry.state !== JournalState.acknowledged) return entry;
  return { ...entry, state: JournalState.acknowledged, acknowledgedAt: record.at };
}

/** An unparsable expiresAt keeps the id for ever rather than never. */
function expiresAtMsOf(entry: JournalEntry): number {
  const ms = Date.parse(entry.expiresAt);
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

function placeOf(entry: JournalEntry, offset: number, length: number): AckedPlace {
  return { offset, length, acknowledgedAtMs: Date.parse(entry.acknowledgedAt ?? ''), expiresAtMs: expiresAtMsOf(entry) };
}

/** Code-unit order, right for RFC 3339 UTC times; localeCompare would load ICU collation data into memory for nothing. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
