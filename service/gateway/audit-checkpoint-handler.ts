import type { KeyObject } from 'node:crypto';
import { Feature, verifyAuditCheckpoint, type AuditCheckpointMessage } from '../../protocol/index.js';
import { saveAuditCheckpoint } from '../store/audit-checkpoints.js';
import { CHECKPOINT_REGRESSION_TEXT } from '../store/checkpoint-regression.js';
import type { NodeContext } from './node-context.js';
import { CheckpointRefusal } from './wire-errors.js';

/** What the handler needs of a session; `features` is absent on a gateway that negotiates none (version 1). */
export interface CheckpointSession {
  readonly agentId: string;
  readonly agentSigningKey: KeyObject;
  readonly features?: ReadonlySet<string>;
}

const REFUSAL_LOG_LINE: Readonly<Record<CheckpointRefusal, string>> = {
  WRONG_AGENT: 'audit checkpoint refused: not signed by the session agent',
  INVALID_SIGNATURE: 'audit checkpoint refused: not signed by the session agent',
  FROM_THE_FUTURE: 'audit checkpoint refused: signed in the future (check the agent host clock)',
};

/**
 * An `auditCheckpoint` (docs/protocol.md, "Audit checkpoints"): only on a session that negotiated
 * the feature, only for the session's own agent, only signed by that agent's registered key, not
 * dated ahead of the clock; then judged against the agent's previous one and kept in its history
 * (store/audit-checkpoints.ts). Refusals are logged by reason, never by content, and change nothing;
 * a checkpoint that does not extend the previous one is logged as a warning with both.
 */
export async function receiveAuditCheckpoint(context: NodeContext, session: CheckpointSession, message: AuditCheckpointMessage): Promise<void> {
  const { logger } = context;
  if (session.features?.has(Feature.auditCheckpoint) !== true) {
    logger.warn('ignored an agent frame', { agentId: session.agentId, error: 'UNEXPECTED_MESSAGE', type: message.type });
    return;
  }
  const refusal = judgeAuditCheckpoint(message, session, context.now(), context.config.agents.clockSkewMs);
  if (refusal !== null) {
    logger.warn(REFUSAL_LOG_LINE[refusal], { agentId: session.agentId, reason: refusal, at: message.checkpoint.at });
    context.hooks?.auditCheckpointRefused?.(session.agentId, refusal);
    return;
  }
  const { outcome, previous, regression, good } = await saveAuditCheckpoint(context.store.db, session.agentId, message.checkpoint, context.now());
  if (outcome !== 'stale') context.hooks?.auditCheckpoint?.(session.agentId, message.checkpoint, regression);
  if (outcome === 'regressed' && regression !== null) {
    // Checkpoints are no secret and are the evidence: logged whole, for `audit verify --checkpoint`.
    logger.warn(`audit checkpoint REGRESSED: ${CHECKPOINT_REGRESSION_TEXT[regression]}; check the agent's log against the latest good checkpoint (writeback-service agents checkpoint)`, {
      agentId: session.agentId,
      regression,
      previous,
      checkpoint: message.checkpoint,
      good,
    });
  } else if (outcome === 'behind') {
    logger.warn('audit checkpoint held, but its log is still behind the latest good checkpoint, taken before a regression', { agentId: session.agentId, checkpoint: message.checkpoint, good });
  } else if (outcome === 'stored') logger.info('audit checkpoint held', { agentId: session.agentId, at: message.checkpoint.at, bytes: message.checkpoint.bytes });
}

/** Null when the checkpoint is the session agent's, signed by its registered key and not dated ahead of `now` plus the skew. */
export function judgeAuditCheckpoint(message: AuditCheckpointMessage, session: CheckpointSession, now: Date, clockSkewMs: number): CheckpointRefusal | null {
  if (message.agentId !== session.agentId) return CheckpointRefusal.WRONG_AGENT;
  if (!verifyAuditCheckpoint(message.checkpoint, session.agentSigningKey)) return CheckpointRefusal.INVALID_SIGNATURE;
  // A checkpoint dated ahead of the clock would, once held, make every real one after it look stale.
  return Date.parse(message.checkpoint.at) > now.getTime() + clockSkewMs ? CheckpointRefusal.FROM_THE_FUTURE : null;
}
