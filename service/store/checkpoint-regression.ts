import type { AuditCheckpoint } from '../../protocol/index.js';

/**
 * Why a later checkpoint does not extend the one before it. An honest agent's audit log only grows
 * and every line's hash chains the previous one, so its checkpoints never go backwards, never name
 * another line at the same length, and never name the same line at another length.
 */
export const CheckpointRegression = {
  /** The log is shorter than at the previous checkpoint: cut, rebuilt, or moved aside by an admin. */
  SHORTER: 'SHORTER',
  /** The same length ending in another line: rewritten. */
  OTHER_HEAD: 'OTHER_HEAD',
  /** The same last line at another length: the lines before it were changed. */
  SAME_HEAD_OTHER_LENGTH: 'SAME_HEAD_OTHER_LENGTH',
} as const;
export type CheckpointRegression = (typeof CheckpointRegression)[keyof typeof CheckpointRegression];

/** What each regression means, for the admin (service log, `agents checkpoint`). */
export const CHECKPOINT_REGRESSION_TEXT: Record<CheckpointRegression, string> = {
  SHORTER: 'the log is shorter than at the previous checkpoint (cut, rebuilt, or moved aside by an admin)',
  OTHER_HEAD: 'the log has the same length as at the previous checkpoint but ends in another line (rewritten)',
  SAME_HEAD_OTHER_LENGTH: 'the log ends in the same line as at the previous checkpoint but at another length (lines before it changed)',
};

/**
 * Null when `next` (signed later) extends `previous`: the log is at least as long and, at the same
 * length, ends in the same line. Otherwise why not. A longer log ending in another line counts as
 * extending: from two heads alone the service cannot tell an append from a rewrite that grew,
 * which `audit verify --checkpoint` against an older held checkpoint can.
 */
export function checkpointRegression(previous: Pick<AuditCheckpoint, 'lastHash' | 'bytes'>, next: Pick<AuditCheckpoint, 'lastHash' | 'bytes'>): CheckpointRegression | null {
  if (next.bytes < previous.bytes) return CheckpointRegression.SHORTER;
  const sameHead = next.lastHash === previous.lastHash;
  if (next.bytes === previous.bytes) return sameHead ? null : CheckpointRegression.OTHER_HEAD;
  return sameHead ? CheckpointRegression.SAME_HEAD_OTHER_LENGTH : null;
}
