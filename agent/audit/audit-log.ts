import { createHash } from 'node:crypto';
import { canonicalize } from '../../protocol/jcs.js';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgentError } from '../errors.js';
import { findSecretField } from '../logging/secret-keys.js';

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

export const GENESIS_HASH = '0'.repeat(64);

/** JCS (RFC 8785), the same canonical form signatures use, so a line hashes the same whoever re-serializes it. */
export const canonicalJson = canonicalize;

export function auditHash(prev: string, lineWithoutHash: Record<string, unknown>): string {
  return createHash('sha256').update(prev).update(canonicalJson(lineWithoutHash)).digest('hex');
}

/**
 * The audit log: one JSON line per command outcome, hash-chained so that editing, inserting or
 * removing a line breaks the chain at that point (verify-audit-log.ts). Separate from the
 * operational log; never holds a secret. Appends are serialized and fsync'd.
 */
export class AuditLog {
  readonly path: string;
  #handle: FileHandle;
  #lastHash: string;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #fsync: boolean;

  private constructor(path: string, handle: FileHandle, lastHash: string, fsync: boolean) {
    this.path = path;
    this.#fsync = fsync;
    this.#handle = handle;
    this.#lastHash = lastHash;
  }

  /** Opens (creating) the log and finds the chain's last hash; a torn last line is cut off. */
  /** `fsync: false` only for the benchmark that measures what durability costs. */
  static async open(path: string, options: { fsync?: boolean } = {}): Promise<AuditLog> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, 'a+', 0o600);
    try {
      const lastHash = await lastHashOf(path, handle);
      return new AuditLog(path, handle, lastHash, options.fsync ?? true);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Appends one outcome; resolves with the stored line once it is on disk. */
  append(record: AuditRecord): Promise<AuditLine> {
    const secret = findSecretField(record);
    if (secret !== null) return Promise.reject(new AgentError('INTERNAL', `refusing to audit a secret-looking field (${secret})`));
    const run = this.#queue.then(async () => {
      const body = { commandId: record.commandId, op: record.op, directory: record.directory, dn: record.dn, code: record.code, status: record.status, time: record.time, prev: this.#lastHash };
      const line: AuditLine = { ...body, hash: auditHash(this.#lastHash, body) };
      await this.#handle.appendFile(`${canonicalJson(line)}\n`);
      if (this.#fsync) await this.#handle.datasync();
      this.#lastHash = line.hash;
      return line;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  get lastHash(): string {
    return this.#lastHash;
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.#handle.close();
  }
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
