import { win32 } from 'node:path';
import type { AgentConfig } from '../config/agent-config.js';
import { WindowsSid } from '../state/windows-acl-judge.js';

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
  const [system, administrators] = [`*${WindowsSid.localSystem}`, `*${WindowsSid.administrators}`];
  const trustees = [...new Set([account ?? system, system, administrators])];
  return ['icacls', path, '/inheritance:r', ...trustees.flatMap((trustee) => ['/grant:r', `${trustee}:(OI)(CI)F`])];
}
