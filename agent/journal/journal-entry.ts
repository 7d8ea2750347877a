import type { ResultMessage } from '../../protocol/index.js';

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

/** What every entry holds, whatever its state. */
interface EntryBase extends JournalBegin {
  id: string;
}

/**
 * A command id's record, one shape per state: what is known is typed as present, the rest null.
 * `applyingAt` stays null after `done` when the command wrote nothing (a refusal, a read).
 */
export type JournalEntry =
  | (EntryBase & { state: typeof JournalState.received; applyingAt: null; completedAt: null; acknowledgedAt: null; result: null })
  | (EntryBase & { state: typeof JournalState.applying; applyingAt: string; completedAt: null; acknowledgedAt: null; result: null })
  /** `result` is the signed result frame to re-send until the service acknowledges it. */
  | (EntryBase & { state: typeof JournalState.done; applyingAt: string | null; completedAt: string; acknowledgedAt: null; result: ResultMessage })
  | (EntryBase & { state: typeof JournalState.acknowledged; applyingAt: string | null; completedAt: string; acknowledgedAt: string; result: ResultMessage });

/** The entry of one state, e.g. `JournalEntryIn<'done'>`. */
export type JournalEntryIn<S extends JournalState> = Extract<JournalEntry, { state: S }>;

/**
 * One line of the journal file, by `r`. `entry` lines are written by acknowledgements and
 * compaction; `ack` lines only by agents before acknowledgements were self-contained (still read).
 * The format on disk is the JSON of these objects.
 */
export type JournalRecord =
  | ({ r: 'begin'; id: string } & JournalBegin)
  | { r: 'applying'; id: string; at: string }
  | { r: 'done'; id: string; at: string; result: ResultMessage }
  | { r: 'ack'; id: string; at: string }
  | ({ r: 'entry' } & JournalEntry)
  /** Written first by compaction: the latest expiresAt of the ids compaction dropped (see Journal.replayHorizon). */
  | { r: 'horizon'; expiresAt: string };
