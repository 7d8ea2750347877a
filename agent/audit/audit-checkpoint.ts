import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { signCanonical, verifyCanonical } from '../../protocol/signature.js';
import { writeFileAtomic } from '../state/write-file-atomic.js';

/**
 * Where the audit log has got to, signed with the agent's Ed25519 key: the hash of the last durable
 * line and the file's length up to it. `audit verify` then tells a truncated or rebuilt log (its
 * chain alone cannot) from an intact one. The latest checkpoint replaces the previous one.
 */
export interface AuditCheckpoint {
  v: 1;
  lastHash: string;
  /** File length in bytes up to and including the line whose hash is lastHash. */
  bytes: number;
  /** RFC 3339. */
  at: string;
  /** Ed25519 over the JCS of the other fields, base64url. */
  signature: string;
}

/** The checkpoint file beside the log. */
export function checkpointPath(auditFile: string): string {
  return `${auditFile}.checkpoint`;
}

export function signCheckpoint(point: { lastHash: string; bytes: number; at: string }, signingKey: KeyObject): AuditCheckpoint {
  const body = { v: 1 as const, lastHash: point.lastHash, bytes: point.bytes, at: point.at };
  return { ...body, signature: signCanonical(body, signingKey) };
}

export function checkpointSignatureValid(checkpoint: AuditCheckpoint, publicKey: KeyObject): boolean {
  const { signature, ...body } = checkpoint;
  return verifyCanonical(body, signature, publicKey);
}

export function writeCheckpoint(auditFile: string, checkpoint: AuditCheckpoint): Promise<void> {
  return writeFileAtomic(checkpointPath(auditFile), `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
}

/** The checkpoint beside `auditFile`; null when there is none; throws on one that does not parse. */
export async function readCheckpoint(auditFile: string): Promise<AuditCheckpoint | null> {
  let text: string;
  try {
    text = await readFile(checkpointPath(auditFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const value = JSON.parse(text) as Partial<AuditCheckpoint>;
  if (value.v !== 1 || typeof value.lastHash !== 'string' || typeof value.bytes !== 'number' || typeof value.at !== 'string' || typeof value.signature !== 'string') {
    throw new Error(`${checkpointPath(auditFile)} is not an audit checkpoint`);
  }
  return value as AuditCheckpoint;
}
