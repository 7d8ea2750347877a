import type { KeyObject } from 'node:crypto';
import { Feature, verifyAuditCheckpoint, type AuditCheckpointMessage } from '../../protocol/index.js';
import { saveAuditCheckpoint } from '../store/audit-checkpoints.js';
import { CHECKPOINT_REGRESSION_TEXT } from '../store/checkpoint-regression.js';
import type { NodeContext } from './node-context.js';

/** What the handler needs of a session; `features` is absent on a gateway that negotiates none (version 1). */
export interface CheckpointSession {
  readonly agentId: string;
  readonly agentSigningKey: KeyObject;
  readonly features?: ReadonlySet<string>;
}

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
  if (message.agentId !== session.agentId || !verifyAuditCheckpoint(message.checkpoint, session.agentSigningKey)) {
    logger.warn('audit checkpoint refused: not signed by the session agent', { agentId: session.agentId });
    return;
  }
  // A checkpoint dated ahead of the clock would, once held, make every real one after it look stale.
  if (Date.parse(message.checkpoint.at) > context.now().getTime() + context.config.agents.clockSkewMs) {
    logger.warn('audit checkpoint refused: signed in the future (check the agent host clock)', { agentId: session.agentId, at: message.checkpoint.at });
    return;
  }
  const { outcome, previous, regression, good } = await saveAuditCheckpoint(context.store.db, session.agentId, message.checkpoint, context.now());
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
