import { secretShapeProblem, type Command } from '../../../protocol/index.js';
import type { DirectoryUser } from '../../directory/driver.js';
import { AgentError } from '../../errors.js';
import { portalOf } from '../../policy/portal-features.js';
import { verifyPasswordLimiter } from '../../policy/portal-rate-limit.js';
import type { Outcome } from '../error-to-result.js';
import type { OperationContext } from '../apply-operation.js';
import { factDetails, portalFacts } from './portal-facts.js';

/**
 * `verifyPassword`: the portal's sign-in with the current directory password (sealed as
 * `{"password"}`, AAD = command id). Order: the secret's shape, the per-user limit (BUSY), who may
 * use the portal (OUT_OF_SCOPE, NOT_ELIGIBLE), a disabled or locked account (ACCOUNT_DISABLED
 * without a bind, so no failed logon is added), then one bind as the user. Nothing is written by
 * the agent; the pipeline audits the outcome and never the password.
 */
export async function verifyPassword(command: Command, user: DirectoryUser, secret: Record<string, string> | null, ctx: OperationContext): Promise<Outcome> {
  const problem = secretShapeProblem('verifyPassword', secret ?? {});
  if (problem !== null || secret === null) throw new AgentError('DECRYPTION_FAILED', problem ?? 'the command has no sealed secret');
  const settings = portalOf(ctx.config).verifyPassword;
  // Keyed by DN, so different identifiers of one account share the limit.
  const decision = verifyPasswordLimiter(settings, ctx.now).take(`${ctx.config.id}\n${user.dn.toLowerCase()}`);
  if (!decision.allowed) {
    throw new AgentError('BUSY', 'too many password checks for this account; try again later', { details: { reason: 'VERIFY_RATE_LIMITED', retryAfter: decision.retryAfter } });
  }
  const facts = await portalFacts(command, user, ctx);
  if (!facts.eligible) {
    throw new AgentError('OUT_OF_SCOPE', 'the account may not use the self-service portal', { details: { reason: 'NOT_ELIGIBLE', ...factDetails(facts) } });
  }
  if (user.disabled) throw new AgentError('ACCOUNT_DISABLED', 'the account is disabled', { details: { reason: 'DISABLED', ...factDetails(facts) } });
  if (user.locked) throw new AgentError('ACCOUNT_DISABLED', 'the account is locked', { details: { reason: 'LOCKED', ...factDetails(facts) } });
  try {
    await ctx.driver.verifyPassword(user, secret['password']!);
  } catch (error) {
    if (error instanceof AgentError) Object.assign(error.details, factDetails(facts));
    throw error;
  }
  return { code: 'OK', message: 'the password matches', details: { dn: user.dn, verified: true, ...factDetails(facts) } };
}
