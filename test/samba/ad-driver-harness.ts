import type { ExecutionContext } from 'ava';
import { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import type { Logger } from '../../agent/logging/logger.js';
import { isAgentError, type AgentError } from '../../agent/errors.js';
import type { SambaDc } from '../fixtures/samba.js';
// The OpenLDAP tier's capturing logger: one implementation for both directory tiers.
import { CaptureLogger } from '../openldap/helpers/capture-logger.js';
import { directoryConfig } from '../helpers/directory-config.js';

export { CaptureLogger };

/** The config the agent would have for this DC: svc-writeback, LDAPS verified against the fixture CA. */
export function adConfig(dc: SambaDc, overrides: Partial<DirectoryConfig> = {}): DirectoryConfig {
  return directoryConfig(
    { id: 'corp', kind: 'activeDirectory', urls: [dc.ldapsUrl], baseDn: dc.baseDn, bindDn: dc.svcDn, caFile: dc.caFile, include: [dc.managedOu], protectedGroups: [dc.helpdeskAdminsDn] },
    { policyCacheMs: 0, ...overrides },
  );
}

export function newDriver(dc: SambaDc, logger: Logger, overrides: Partial<DirectoryConfig> = {}, now: () => Date = () => new Date()): ActiveDirectoryDriver {
  return new ActiveDirectoryDriver(adConfig(dc, overrides), { bindPassword: dc.svcPassword, logger, now });
}

/** Awaits a rejection that must be an AgentError and returns it. */
export async function agentError(t: ExecutionContext, promise: Promise<unknown>): Promise<AgentError> {
  const error = await t.throwsAsync(promise);
  if (!isAgentError(error)) {
    t.fail(`expected an AgentError, got ${String(error)}`);
    throw error;
  }
  return error;
}

/** Every password a test used must be absent from logs, messages and details. */
export function assertNoSecrets(t: ExecutionContext, haystacks: readonly string[], passwords: readonly string[]): void {
  for (const password of passwords) {
    for (const text of haystacks) t.false(text.includes(password), `a password appears in: ${text.slice(0, 200)}`);
  }
}
