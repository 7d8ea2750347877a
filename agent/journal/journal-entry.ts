/** Lifecycle of a command id in the journal (SPEC.md section 7). */
export const JournalState = {
  /** Passed schema, signature and tenant checks; acked; nothing written to the directory yet. */
  received: 'received',
  /** About to write to the directory: after a crash the write may or may not have happened. */
  applying: 'applying',
  /** Result signed and kept for re-sending until the service acknowledges it. */
  done: 'done',
  /** The service stored the result (resultAck). */
  acknowledged: 'acknowledged',
} as const;
export type JournalState = (typeof JournalState)[keyof typeof JournalState];

/** What `begin` records: enough to answer a duplicate and to report, never a secret. */
export interface JournalBegin {
  op: string;
  /** The command's target as sent (`{by, value}`), or null (checkPermissions). */
  target: { by: string; value: string } | null;
  directory: string | null;
  /** RFC 3339. */
  receivedAt: string;
  /** RFC 3339, the command's own expiresAt. */
  expiresAt: string;
}

export interface JournalEntry extends JournalBegin {
  id: string;
  state: JournalState;
  applyingAt: string | null;
  completedAt: string | null;
  acknowledgedAt: string | null;
  /** The signed `result` frame (`{type, result, signature}`) to re-send; null until done. */
  result: unknown;
}

/** One line of the journal file. `entry` lines are written by compaction. */
export type JournalRecord =
  | ({ r: 'begin'; id: string } & JournalBegin)
  | { r: 'applying'; id: string; at: string }
  | { r: 'done'; id: string; at: string; result: unknown }
  | { r: 'ack'; id: string; at: string }
  | ({ r: 'entry' } & JournalEntry)
  /** Written first by compaction: the latest expiresAt of the ids it dropped (see Journal.replayHorizon). */
  | { r: 'horizon'; expiresAt: string };
