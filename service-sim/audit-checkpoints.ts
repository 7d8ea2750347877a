import type { AuditCheckpoint, AuditCheckpointMessage } from '../protocol/index.js';
import { judgeAuditCheckpoint } from '../service/gateway/audit-checkpoint-handler.js';
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
 * the one held; refused (event `auditCheckpointRefused`) when not, or when signed in the future. A re-sent or older one changes nothing.
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
  if (held !== undefined && checkpoint.bytes < held.checkpoint.bytes) {
    state.logger.warn("the agent's audit log is shorter than at its previous checkpoint", { agentId: session.agentId, previous: held.checkpoint });
  }
  state.auditCheckpoints.set(session.agentId, { checkpoint, receivedAt: state.clock.now().toISOString() });
  state.events.emit('auditCheckpoint', { agentId: session.agentId, checkpoint });
}
