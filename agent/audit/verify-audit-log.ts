import { createReadStream } from 'node:fs';
import { auditHash, GENESIS_HASH } from './audit-log.js';

export type AuditVerification = { ok: true; lines: number; lastHash: string } | { ok: false; line: number; reason: string };

/** Where a signed checkpoint says the log had got to (its signature checked by the caller). */
export interface CheckpointMark {
  lastHash: string;
  bytes: number;
  at: string;
}

/**
 * Walks the chain from the first line: each line must parse, link to the previous hash and hash to
 * its own `hash`. Returns the first broken line (1-based). With a `checkpoint`, the chain must also
 * pass through its hash exactly where it said (its byte length): a truncated or rebuilt log does not.
 */
export async function verifyAuditLog(path: string, checkpoint: CheckpointMark | null = null): Promise<AuditVerification> {
  let prev = GENESIS_HASH;
  let number = 0;
  let bytes = 0;
  let reached = checkpoint === null;
  for await (const text of linesOf(path)) {
    number++;
    bytes += Buffer.byteLength(text) + 1;
    let line: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      line = parsed as Record<string, unknown>;
    } catch {
      return { ok: false, line: number, reason: 'not a JSON object' };
    }
    const { hash, ...rest } = line;
    if (rest.prev !== prev) return { ok: false, line: number, reason: 'prev does not match the hash of the line before (a line was removed, inserted or reordered)' };
    if (hash !== auditHash(prev, rest)) return { ok: false, line: number, reason: 'hash does not match the content (the line was edited)' };
    prev = hash;
    if (checkpoint !== null && hash === checkpoint.lastHash) {
      if (bytes !== checkpoint.bytes)
        return { ok: false, line: number, reason: `the signed checkpoint of ${checkpoint.at} puts this line at byte ${checkpoint.bytes}, not ${bytes} (the log was rebuilt)` };
      reached = true;
    }
  }
  if (!reached) return { ok: false, line: number + 1, reason: `the log ends before the line its signed checkpoint of ${checkpoint!.at} names (truncated or rebuilt)` };
  return { ok: true, lines: number, lastHash: prev };
}

/**
 * The file's lines, split on `\n` only. Not readline: it also ends a line at U+2028 and U+2029,
 * which JSON (and so a line's DN) may hold unescaped, and would then report an intact line broken.
 */
async function* linesOf(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    const parts = `${rest}${String(chunk)}`.split('\n');
    rest = parts.pop() ?? '';
    yield* parts;
  }
  if (rest !== '') yield rest;
}
