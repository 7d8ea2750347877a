/** A command's life (SERVICE-INTERFACE.md): queued → sent → acknowledged → done, or expired. */
export const CommandState = {
  /** Waiting for an agent (a command already sent once stays pinned to that agent). */
  queued: 'queued',
  /** Sent on a session, no ack yet. */
  sent: 'sent',
  /** The agent recorded it (its `ack`); skipped when the result comes within the ack's short wait (store/outcome-batch.ts). */
  acknowledged: 'acknowledged',
  /** A verified result is stored. */
  done: 'done',
  /** No result before the command's time ran out (plus the skew): no agent may act on it now. */
  expired: 'expired',
} as const;
export type CommandState = (typeof CommandState)[keyof typeof CommandState];

export const FINAL_STATES: readonly CommandState[] = [CommandState.done, CommandState.expired];
