import type { KeyObject } from 'node:crypto';
import { formatTime, signDirectories, type DirectoriesMessage } from '../../protocol/index.js';
import type { AgentConfig } from '../config/agent-config.js';

/**
 * The signed `directories` report (docs/protocol.md, "Directories"), sent after each welcome of a
 * session that shares the feature: the service then knows whether this agent's users are named by
 * `uid` (OpenLDAP) or `sAMAccountName` (Active Directory). Ids and kinds only, never a URL or a DN.
 */
export function directoriesReport(config: Pick<AgentConfig, 'directories' | 'defaultDirectory'>, agentId: string, signingKey: KeyObject, now: Date): DirectoriesMessage {
  const directories = config.directories.map((d) => ({ id: d.id, kind: d.kind }));
  return signDirectories({ agentId, directories, defaultDirectory: config.defaultDirectory ?? directories[0]?.id ?? '', sentAt: formatTime(now) }, signingKey);
}
