import { win32 } from 'node:path';
import type { AgentConfig } from '../config/agent-config.js';

/** Well-known SIDs, as icacls takes them (`*SID`): names are localised, SIDs are not. */
const WindowsSid = {
  localSystem: '*S-1-5-18',
  administrators: '*S-1-5-32-544',
} as const;

/** The directories holding what no other account may read or replace: state (keys, journal, registration), logs, the audit log's. */
export function protectedDirectories(config: AgentConfig): string[] {
  const dirs = [config.stateDir, ...(config.logging.dir === null ? [] : [config.logging.dir]), win32.dirname(config.audit.file)];
  return [...new Set(dirs)];
}

/**
 * The icacls command that gives `path` a protected ACL: inheritance removed (`/inheritance:r`),
 * full control for the service account, LocalSystem and Administrators only, inherited by every
 * file and folder below (`(OI)(CI)`). `account` null is LocalSystem.
 */
export function protectedAclCommand(path: string, account: string | null): string[] {
  const trustees = [...new Set([account ?? WindowsSid.localSystem, WindowsSid.localSystem, WindowsSid.administrators])];
  return ['icacls', path, '/inheritance:r', ...trustees.flatMap((trustee) => ['/grant:r', `${trustee}:(OI)(CI)F`])];
}
