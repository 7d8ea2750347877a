import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { signAuditCheckpoint, verifyAuditCheckpoint } from '../../protocol/audit-checkpoint.js';
import type { AuditCheckpoint } from '../../protocol/messages.js';
import { isJsonObject, SchemaError } from '../../protocol/schema.js';
import { parseStrictJson } from '../../protocol/strict-json.js';
import { validateCheckpoint } from '../../protocol/validate-message.js';
import { writeFileAtomic } from '../state/write-file-atomic.js';

/**
 * Where the audit log has got to, signed with the agent's Ed25519 key: the hash of the last durable
 * line and the file's length up to it (protocol/audit-checkpoint.ts; the same object the agent
 * reports to the service). `audit verify` then tells a truncated or rebuilt log (its chain alone
 * cannot) from an intact one. The latest checkpoint replaces the previous one.
 */
export type { AuditCheckpoint };

/** The checkpoint file beside the log. */
export function checkpointPath(auditFile: string): string {
  return `${auditFile}.checkpoint`;
}

export function signCheckpoint(point: { lastHash: string; bytes: number; at: string }, signingKey: KeyObject): AuditCheckpoint {
  return signAuditCheckpoint(point, signingKey);
}

export function checkpointSignatureValid(checkpoint: AuditCheckpoint, publicKey: KeyObject): boolean {
  return verifyAuditCheckpoint(checkpoint, publicKey);
}

export function writeCheckpoint(auditFile: string, checkpoint: AuditCheckpoint): Promise<void> {
  return writeFileAtomic(checkpointPath(auditFile), `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
}

/** The checkpoint beside `auditFile`; null when there is none; throws on one that does not parse. */
export async function readCheckpoint(auditFile: string): Promise<AuditCheckpoint | null> {
  const file = checkpointPath(auditFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseCheckpoint(text, file);
}

/**
 * A checkpoint from a file: the one beside the log, or a copy the service held
 * (`writeback-service agents checkpoint`). Strictly validated; throws naming the file.
 */
export function parseCheckpoint(text: string, file: string): AuditCheckpoint {
  const parsed = parseStrictJson(text.trim());
  try {
    if (!parsed.ok || !isJsonObject(parsed.value)) throw new SchemaError('not a JSON object');
    return validateCheckpoint(parsed.value);
  } catch (error) {
    throw new Error(`${file} is not an audit checkpoint (${error instanceof SchemaError ? error.message : 'invalid'})`);
  }
}
