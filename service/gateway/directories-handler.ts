import { Feature, verifyDirectories, type DirectoriesMessage } from '../../protocol/index.js';
import { recordDirectories } from '../store/agents.js';
import type { CheckpointSession } from './audit-checkpoint-handler.js';
import type { NodeContext } from './node-context.js';

/**
 * A `directories` report (docs/protocol.md, "Directories"): only on a session that negotiated the
 * feature, only for the session's own agent, only signed by its registered key; then it replaces
 * what the agent reported before. `reset` and the help desk read it to name users the way that
 * directory does (`uid` or `sAMAccountName`).
 */
export async function receiveDirectories(context: NodeContext, session: CheckpointSession, message: DirectoriesMessage): Promise<void> {
  const { logger } = context;
  if (session.features?.has(Feature.directories) !== true) {
    logger.warn('ignored an agent frame', { agentId: session.agentId, error: 'UNEXPECTED_MESSAGE', type: message.type });
    return;
  }
  if (message.agentId !== session.agentId || !verifyDirectories(message, session.agentSigningKey)) {
    logger.warn('directories report refused: not signed by the session agent', { agentId: session.agentId });
    return;
  }
  await recordDirectories(context.store.db, session.agentId, { directories: message.directories, defaultDirectory: message.defaultDirectory });
  logger.info('agent directories recorded', { agentId: session.agentId, directories: message.directories.map((d) => `${d.id}:${d.kind}`) });
}
