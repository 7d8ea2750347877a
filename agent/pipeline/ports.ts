import type { AgentMessage, ResultMessage, ResultCode, ResultStatus } from '../../protocol/index.js';

/** What the command pipeline needs from the rest of the agent; the implementations come in. */

/** The journal as the pipeline sees it (agent/journal/journal.ts implements it). */
export interface JournalEntryView {
  state: 'received' | 'applying' | 'done' | 'acknowledged';
  /** The signed result frame once done; null before. */
  result: ResultMessage | null;
}

export interface JournalPort {
  get(id: string): JournalEntryView | undefined;
  /** Durable (fsync'd) before the agent sends `ack` and before any directory write for the command. */
  begin(id: string, info: { op: string; target: { by: string; value: string } | null; directory: string | null; receivedAt: string; expiresAt: string }): Promise<void>;
  /** Noted just before the directory write (not necessarily durable: recovery treats `received` alike). */
  markApplying(id: string): Promise<void>;
  complete(id: string, result: ResultMessage): Promise<void>;
  acknowledge(id: string): Promise<unknown>;
  unacknowledged(): { result: ResultMessage }[];
  /** The latest expiresAt (ms) of the ids compaction dropped, or null: a command expiring no later may be a replay. */
  replayHorizon?(): number | null;
}

export interface AuditRecord {
  commandId: string;
  op: string;
  directory: string;
  dn: string | null;
  code: ResultCode;
  status: ResultStatus;
  at: string;
}

export interface AuditPort {
  record(entry: AuditRecord): Promise<void>;
}

/** Scrubs tracked values from every log line while a command holds them. */
export interface RedactorPort {
  track(value: string): void;
  untrack(value: string): void;
}

export interface RateLimiterPort {
  /** Counts one attempt for `key` when allowed; else says when the next one is (RFC 3339). */
  take(key: string): { allowed: true } | { allowed: false; retryAfter: string };
}

export type Send = (message: AgentMessage) => boolean;
