import { OPERATIONS, PortalOperation, isPortalOperation } from '../../protocol/index.js';
import type { DirectoryConfig } from '../directory/directory-config.js';
import { PORTAL_OFF, type PortalConfig } from '../config/portal-config.js';
import { AgentError } from '../errors.js';

/** A directory's portal settings; everything off when its config has none. */
export function portalOf(config: DirectoryConfig): PortalConfig {
  return config.portal ?? PORTAL_OFF;
}

/** Whether the directory's owner turned this portal op on (SPEC.md's own ops are always on). */
export function isOperationEnabled(op: string, config: DirectoryConfig): boolean {
  if (!isPortalOperation(op)) return true;
  const portal = portalOf(config);
  return op === PortalOperation.verifyPassword ? portal.verifyPassword.enabled : portal.contactAttributes.length > 0;
}

/** The op-known step for a portal op that is off for this directory [UNSUPPORTED_OPERATION]; nothing is read. */
export function assertOperationEnabled(op: string, config: DirectoryConfig): void {
  if (isOperationEnabled(op, config)) return;
  throw new AgentError('UNSUPPORTED_OPERATION', `${op} is not enabled for this directory (portal settings of the agent's config)`, { details: { reason: 'NOT_ENABLED' } });
}

/** The hello's `capabilities`: SPEC.md's ops, plus each portal op some directory has on. */
export function agentCapabilities(directories: readonly DirectoryConfig[]): string[] {
  const portalOps = Object.values(PortalOperation).filter((op) => directories.some((config) => isOperationEnabled(op, config)));
  return [...OPERATIONS, ...portalOps];
}
