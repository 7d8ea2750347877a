import type { AuditCheckpoint, AuditCheckpointMessage } from '../protocol/index.js';
import { judgeAuditCheckpoint } from '../service/gateway/audit-checkpoint-handler.js';
import { CHECKPOINT_REGRESSION_TEXT, checkpointRegression } from '../service/store/checkpoint-regression.js';
import type { ServiceState } from './service-state.js';
import type { Session } from './session.js';

/** A checkpoint the service holds for an agent, and when it arrived. */
export interface HeldCheckpoint {
  checkpoint: AuditCheckpoint;
  receivedAt: string;
}

/**
 * An `auditCheckpoint` on a session that negotiated the feature (the gateway checked that): kept as
 * the agent's latest when it is the session agent's, signed by its registered key, and later than
 * the one held, with the service's judgement of whether it extends that one (`regression`); refused
 * (event `auditCheckpointRefused`) when not, or when signed in the future. A re-sent or older one changes nothing.
 */
export function receiveAuditCheckpoint(state: ServiceState, session: Session, message: AuditCheckpointMessage): void {
  const agent = state.requireAgent(session.agentId);
  const refusal = judgeAuditCheckpoint(message, { agentId: session.agentId, agentSigningKey: agent.signingKey }, state.clock.now(), state.clockSkewMs);
  if (refusal !== null) {
    state.logger.warn('audit checkpoint refused', { agentId: session.agentId, reason: refusal });
    state.events.emit('auditCheckpointRefused', { agentId: session.agentId, reason: refusal });
    return;
  }
  const { checkpoint } = message;
  const held = state.auditCheckpoints.get(session.agentId);
  if (held !== undefined && held.checkpoint.at >= checkpoint.at) return;
  // The service's judgement (service/store/checkpoint-regression.ts); unlike the service, the sim keeps only the latest.
  const regression = held === undefined ? null : checkpointRegression(held.checkpoint, checkpoint);
  if (held !== undefined && regression !== null) {
    state.logger.warn(`audit checkpoint REGRESSED: ${CHECKPOINT_REGRESSION_TEXT[regression]}`, { agentId: session.agentId, regression, previous: held.checkpoint, checkpoint });
  }
  state.auditCheckpoints.set(session.agentId, { checkpoint, receivedAt: state.clock.now().toISOString() });
  state.events.emit('auditCheckpoint', { agentId: session.agentId, checkpoint, regression });
}
