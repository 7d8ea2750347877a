import { auditCheckpointMessage, type AuditCheckpoint, type AuditCheckpointMessage } from '../../protocol/index.js';

export interface ReporterOptions {
  agentId: string;
  /** The checkpoint beside the log at start (null when none yet): reported at the first session. */
  latest: AuditCheckpoint | null;
  /** True when the current session negotiated `auditCheckpoint`. */
  shared: () => boolean;
  /** False when no session is ready: the checkpoint is reported again after the next welcome. */
  send: (message: AuditCheckpointMessage) => boolean;
}

/**
 * Reports the audit log's latest signed checkpoint to the service (docs/protocol.md, "Audit
 * checkpoints"), so that a copy the host cannot rewrite exists: after each welcome of a session
 * that shares the feature, and each time a new checkpoint is written.
 */
export class AuditCheckpointReporter {
  #latest: AuditCheckpoint | null;

  constructor(private readonly o: ReporterOptions) {
    this.#latest = o.latest;
  }

  get latest(): AuditCheckpoint | null {
    return this.#latest;
  }

  /** A new checkpoint was written beside the log. */
  written(checkpoint: AuditCheckpoint): void {
    this.#latest = checkpoint;
    this.#report();
  }

  /** A session started. */
  sessionStarted(): void {
    this.#report();
  }

  #report(): void {
    if (this.#latest === null || !this.o.shared()) return;
    this.o.send(auditCheckpointMessage(this.o.agentId, this.#latest));
  }
}
