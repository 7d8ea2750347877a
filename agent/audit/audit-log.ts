import { hash, type KeyObject } from 'node:crypto';
import { canonicalize } from '../../protocol/jcs.js';
import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgentError } from '../errors.js';
import { findSecretField } from '../logging/secret-keys.js';
import { appendSync } from '../state/append-sync.js';
import { assertSafeAppendFile } from '../state/private-dir.js';
import { signCheckpoint, writeCheckpoint, type AuditCheckpoint } from './audit-checkpoint.js';

/** One command outcome, as the audit log records it. */
export interface AuditRecord {
  commandId: string;
  op: string;
  directory: string | null;
  /** The user's DN when resolved, else null. */
  dn: string | null;
  /** Protocol result code. */
  code: string;
  /** succeeded | failed | rejected. */
  status: string;
  /** RFC 3339. */
  time: string;
}

/** A stored line: the record plus the chain links. */
export interface AuditLine extends AuditRecord {
  /** Hash of the previous line (GENESIS_HASH for the first). */
  prev: string;
  /** SHA-256 hex of `prev` + the canonical JSON of this line without `hash`. */
  hash: string;
}

/**
 * How long a first queued line waits for others before the write and fsync. Nothing waits for an
 * audit line on a command's path, but its fsync shares the disk with the journal's, which commands
 * do wait for, so fewer audit fsyncs mean shorter waits for the journal's.
 */
const GATHER_MS = 20;

function gather(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, GATHER_MS));
}

export const GENESIS_HASH = '0'.repeat(64);

/** JCS (RFC 8785), the same canonical form signatures use, so a line hashes the same whoever re-serializes it. */
export const canonicalJson = canonicalize;

export function auditHash(prev: string, lineWithoutHash: Record<string, unknown>): string {
  return sha256Hex(`${prev}${canonicalJson(lineWithoutHash)}`);
}

function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** Signed checkpoints (audit-checkpoint.ts): written after a flush at most every `everyMs`, and at close. */
export interface CheckpointOptions {
  signingKey: KeyObject;
  everyMs: number;
  now: () => Date;
  /** Called with each checkpoint once it is written beside the log (the runtime reports it to the service). */
  onCheckpoint?: (checkpoint: AuditCheckpoint) => void;
}

export interface AuditStats {
  path: string;
  /** Lines made durable since open. */
  lines: number;
  /** write calls since open (group commit makes this lower than `lines` under load). */
  writes: number;
  /** datasyncs since open (0 with `fsync: false`). */
  syncs: number;
}

interface Pending {
  text: string;
  line: AuditLine;
  resolve: (line: AuditLine) => void;
  reject: (error: unknown) => void;
}

/**
 * The audit log: one JSON line per command outcome, hash-chained so that editing, inserting or
 * removing a line breaks the chain at that point (verify-audit-log.ts). Separate from the
 * operational log; never holds a secret.
 *
 * Appends chain in call order at once, but reach the disk by group commit (as the journal does):
 * lines queued while a write+datasync is under way go out together in one write and one
 * datasync, so a loaded agent pays one fsync per batch, not per command. Each append's promise
 * still resolves only once its own line is durable.
 */
export class AuditLog {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #fsync: boolean;
  /** Hash of the last line queued: what the next append chains to. */
  #headHash: string;
  /** Hash of the last line known durable. */
  #durableHash: string;
  #pending: Pending[] = [];
  #flushScheduled = false;
  #io: Promise<void> = Promise.resolve();
  #failure: AgentError | null = null;
  #closed = false;
  #lines = 0;
  #writes = 0;
  #syncs = 0;
  /** File length up to the last durable line. */
  #durableBytes: number;
  readonly #checkpoint: CheckpointOptions | null;
  /** What the last checkpoint named, and when it was written (ms). */
  #checkpointed: { hash: string; at: number } | null = null;
  #checkpointing: Promise<void> = Promise.resolve();

  private constructor(path: string, handle: FileHandle, lastHash: string, fsync: boolean, bytes: number, checkpoint: CheckpointOptions | null) {
    this.path = path;
    this.#fsync = fsync;
    this.#handle = handle;
    this.#durableBytes = bytes;
    this.#checkpoint = checkpoint;
    this.#headHash = lastHash;
    this.#durableHash = lastHash;
  }

  /**
   * Opens (creating) the log and finds the chain's last hash; a torn last line is cut off.
   * `fsync: false` only for the benchmark that measures what durability costs.
   */
  static async open(path: string, options: { fsync?: boolean; checkpoint?: CheckpointOptions } = {}): Promise<AuditLog> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    assertSafeAppendFile(path);
    // 'a+' without following a symbolic link planted after the check.
    const handle = await open(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      const lastHash = await lastHashOf(path, handle);
      const { size } = await handle.stat();
      return new AuditLog(path, handle, lastHash, options.fsync ?? true, size, options.checkpoint ?? null);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Appends one outcome; resolves with the stored line once it is on disk. */
  append(record: AuditRecord): Promise<AuditLine> {
    if (this.#closed) return Promise.reject(new AgentError('INTERNAL', `audit log ${this.path} is closed`));
    // Once a write failed, the chain on disk ends before lines already handed out: refuse the rest.
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const secret = findSecretField(record);
    if (secret !== null) return Promise.reject(new AgentError('INTERNAL', `refusing to audit a secret-looking field (${secret})`));
    const { line, text } = serializeLine(record, this.#headHash);
    this.#headHash = line.hash;
    return new Promise((resolve, reject) => {
      this.#pending.push({ text, line, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        this.#io = this.#io.then(() => gather()).then(() => this.#flush());
      }
    });
  }

  /** Hash of the last line on disk (for keeping a copy elsewhere; see verify-audit-log.ts). */
  get lastHash(): string {
    return this.#durableHash;
  }

  stats(): AuditStats {
    return { path: this.path, lines: this.#lines, writes: this.#writes, syncs: this.#syncs };
  }

  /** Waits for queued lines, then signs a checkpoint of them now if the last one is behind. */
  async checkpointNow(): Promise<void> {
    await this.#io;
    this.#maybeCheckpoint(true);
    await this.#checkpointing;
  }

  /** Waits for queued lines, writes a last checkpoint, then closes the file; later appends are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#io;
    this.#maybeCheckpoint(true);
    await this.#checkpointing;
    await this.#handle.close();
  }

  /**
   * Signs where the log has got to, when it moved since the last checkpoint and `everyMs` passed
   * (or `force`). Not on an append's path: appends never wait for it; a failure is kept for the next try.
   */
  #maybeCheckpoint(force = false): void {
    const options = this.#checkpoint;
    if (options === null || this.#failure !== null || this.#durableHash === GENESIS_HASH) return;
    const now = options.now().getTime();
    const last = this.#checkpointed;
    if (last !== null && (last.hash === this.#durableHash || (!force && now - last.at < options.everyMs))) return;
    const point = { lastHash: this.#durableHash, bytes: this.#durableBytes, at: new Date(now).toISOString() };
    this.#checkpointed = { hash: point.lastHash, at: now };
    const checkpoint = signCheckpoint(point, options.signingKey);
    this.#checkpointing = this.#checkpointing
      .then(() => writeCheckpoint(this.path, checkpoint))
      .then(
        () => {
          try {
            options.onCheckpoint?.(checkpoint);
          } catch {
            // Reporting is the caller's business; the checkpoint is written either way.
          }
        },
        () => {
          this.#checkpointed = last;
        },
      );
  }

  /** One write and one datasync for everything queued since the last flush. */
  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    if (this.#failure !== null) {
      for (const p of batch) p.reject(this.#failure);
      return;
    }
    try {
      appendSync(this.#handle.fd, batch.length === 1 ? batch[0]!.text : batch.map((p) => p.text).join(''));
      this.#writes++;
      if (this.#fsync) {
        await this.#handle.datasync();
        this.#syncs++;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      this.#failure = new AgentError(
        'INTERNAL',
        `audit log ${this.path} cannot be written (${code}); commands are no longer audited: free disk space or fix the file's permissions, then restart the agent (a torn last line is cut off at start)`,
        { cause: error },
      );
      for (const p of batch) p.reject(this.#failure);
      return;
    }
    this.#lines += batch.length;
    this.#durableHash = batch[batch.length - 1]!.line.hash;
    for (const p of batch) this.#durableBytes += Buffer.byteLength(p.text);
    for (const p of batch) p.resolve(p.line);
    this.#maybeCheckpoint();
  }
}

/**
 * The stored line and its text. For the usual record (string or null values) the JCS text is
 * built directly: JCS writes strings exactly as JSON.stringify does and the keys are fixed, so
 * this is byte-for-byte canonicalJson(line), with the hash input being the same text minus
 * `"hash"` (the test compares both forms). Anything else takes the general path.
 */
function serializeLine(record: AuditRecord, prev: string): { line: AuditLine; text: string } {
  const body = { code: record.code, commandId: record.commandId, directory: record.directory, dn: record.dn, op: record.op, prev, status: record.status, time: record.time };
  const plain = Object.values(body).every((value) => value === null || typeof value === 'string');
  if (!plain) {
    const line: AuditLine = { ...body, hash: auditHash(prev, body) };
    return { line, text: `${canonicalJson(line)}\n` };
  }
  const head = `{"code":${JSON.stringify(body.code)},"commandId":${JSON.stringify(body.commandId)},"directory":${JSON.stringify(body.directory)},"dn":${JSON.stringify(body.dn)}`;
  const tail = `"op":${JSON.stringify(body.op)},"prev":${JSON.stringify(prev)},"status":${JSON.stringify(body.status)},"time":${JSON.stringify(body.time)}}`;
  const digest = sha256Hex(`${prev}${head},${tail}`);
  return { line: { ...body, hash: digest }, text: `${head},"hash":"${digest}",${tail}\n` };
}

/** Reads backwards from the end for the last complete line; truncates an unfinished one. */
async function lastHashOf(path: string, handle: FileHandle): Promise<string> {
  const { size } = await handle.stat();
  if (size === 0) return GENESIS_HASH;
  let window = Math.min(size, 64 * 1024);
  for (;;) {
    const buffer = Buffer.alloc(window);
    await handle.read(buffer, 0, window, size - window);
    const end = buffer.length;
    if (buffer[end - 1] !== 0x0a) {
      const cut = buffer.lastIndexOf(0x0a);
      if (cut < 0 && window < size) {
        window = Math.min(size, window * 4);
        continue;
      }
      // The last append never completed (no newline, not fsync'd): drop it so the chain continues cleanly.
      await handle.truncate(size - (buffer.length - (cut + 1)));
      return lastHashOf(path, handle);
    }
    const start = buffer.lastIndexOf(0x0a, end - 2) + 1;
    if (start === 0 && window < size) {
      window = Math.min(size, window * 4);
      continue;
    }
    const text = buffer.subarray(start, end - 1).toString('utf8');
    try {
      const hash = (JSON.parse(text) as { hash?: unknown }).hash;
      if (typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)) return hash;
    } catch {
      // reported below
    }
    throw new AgentError('INTERNAL', `audit log ${path} ends with a line that is not an audit record; run: writeback-agent audit verify, then move the file aside`);
  }
}
