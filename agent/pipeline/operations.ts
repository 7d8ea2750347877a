import type { Command, ResetPasswordParams } from '../../protocol/index.js';
import { formatTime, resetParams } from '../../protocol/index.js';
import type { DirectoryConfig } from '../directory/directory-config.js';
import type { Logger } from '../logging/logger.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';
import { AgentError } from '../errors.js';
import { checkMinimumAge as minimumAgeAllowedAt } from '../policy/min-age.js';
import { protectedSelfServiceGroup } from '../policy/protected-self-service.js';
import { scopeRefusal } from '../policy/scope.js';
import type { Outcome } from './error-to-result.js';
import { getContactInfo } from './ops/get-contact-info.js';
import { verifyPassword } from './ops/verify-password.js';
import type { RateLimiterPort } from './ports.js';

export interface OperationContext {
  driver: DirectoryDriver;
  config: DirectoryConfig;
  rateLimiter: RateLimiterPort;
  now: () => Date;
  /** True when the command was in flight when the agent last stopped: check before re-applying. */
  maybeApplied: boolean;
  /** The target's lookup, when the pipeline started it already (it overlaps the decryption). */
  lookup?: Promise<DirectoryUser>;
  /** Called just before the first directory write. */
  beforeWrite: () => Promise<void>;
  /** The DN the command resolved to, for the audit log. */
  resolved: (dn: string) => void;
  /** For local lines of the portal ops (groups the agent cannot read, protected self-service). */
  logger?: Logger;
}

const WRITES = new Set(['resetPassword', 'changePassword', 'unlockAccount']);

/**
 * The agent-side policy on a resolved target: scope, then (for writes) protected accounts. The
 * refusal to throw, or null. Also run before the expired "maybe applied" probe, which binds as the
 * user: no bind is tried on an account the agent may not change.
 */
export async function policyRefusal(
  user: DirectoryUser,
  op: string,
  driver: DirectoryDriver,
  config: DirectoryConfig,
  selfServiceExempt: () => Promise<boolean> = () => Promise.resolve(false),
): Promise<AgentError | null> {
  const scopeReason = await scopeRefusal(user.dn, config.scope, (dn) => driver.canonicalDn(dn));
  // No DN upstream: the service must not learn the layout of the directory outside the scope.
  if (scopeReason !== null) return new AgentError('OUT_OF_SCOPE', 'the account is outside the scope this agent may change', { details: { reason: scopeReason.replace(/ \(.*\)$/, '') } });
  if (WRITES.has(op) && config.scope.refuseProtectedAccounts && user.protectedReason !== null && !(await selfServiceExempt())) {
    return new AgentError('PROTECTED_ACCOUNT', 'the account is protected; the agent does not change protected accounts', {
      details: { dn: user.dn, reason: user.protectedReason },
    });
  }
  return null;
}

/**
 * Steps after decryption, in SPEC.md's order: resolve the target, agent-side scope and
 * protected-account policy, minimum password age, apply. Throws AgentError on refusal.
 */
export async function executeOperation(command: Command, secret: Record<string, string> | null, ctx: OperationContext): Promise<Outcome> {
  const { driver, config } = ctx;
  if (command.op === 'checkPermissions' && command.target === undefined) {
    const report = await driver.checkPermissions({});
    return permissionOutcome(report);
  }
  const user = await (ctx.lookup ?? driver.resolveUser(command.target!));
  ctx.resolved(user.dn);
  const refusal = await policyRefusal(user, command.op, driver, config, () => allowedSelfService(command, user, ctx));
  if (refusal !== null) throw refusal;
  if (WRITES.has(command.op)) {
    // Keyed by DN, so different identifiers of one account share the limit.
    const decision = ctx.rateLimiter.take(`${config.id}\n${user.dn.toLowerCase()}`);
    if (!decision.allowed) {
      throw new AgentError('BUSY', 'too many changes for this account in the last minute; try again later', { details: { dn: user.dn, retryAfter: decision.retryAfter } });
    }
  }

  switch (command.op) {
    case 'resetPassword': {
      const params = resetParams(command.params);
      const newPassword = required(secret, 'newPassword');
      // A crash between the write and the result: recognise the applied password before the
      // minimum-age check, which the write itself would now fail.
      if (mayAlreadyHold(ctx, user, command) && (await driver.passwordAlreadyApplied(user, newPassword, new Date(command.issuedAt)))) {
        return alreadyApplied(user, 'password reset');
      }
      if (params.enforceMinimumAge) await checkMinimumAge(driver, user, ctx.now());
      await ctx.beforeWrite();
      const outcome = await driver.resetPassword(user, newPassword, resetOptions(params));
      return { code: 'OK', message: 'password reset', details: { ...outcome.details, dn: outcome.dn, appliedAt: formatTime(outcome.appliedAt) } };
    }
    case 'changePassword': {
      const oldPassword = required(secret, 'oldPassword');
      const newPassword = required(secret, 'newPassword');
      if (mayAlreadyHold(ctx, user, command) && (await driver.passwordAlreadyApplied(user, newPassword, new Date(command.issuedAt)))) {
        return alreadyApplied(user, 'password changed');
      }
      if (!user.mustChangePassword) await checkMinimumAge(driver, user, ctx.now());
      await ctx.beforeWrite();
      const outcome = await driver.changePassword(user, oldPassword, newPassword);
      return { code: 'OK', message: 'password changed', details: { ...outcome.details, dn: outcome.dn, appliedAt: formatTime(outcome.appliedAt) } };
    }
    case 'unlockAccount': {
      await ctx.beforeWrite();
      const outcome = await driver.unlockAccount(user);
      return { code: 'OK', message: 'account unlocked', details: { ...outcome.details, dn: outcome.dn, appliedAt: formatTime(outcome.appliedAt) } };
    }
    case 'getAccountState': {
      const state = await driver.getAccountState(user);
      // The rules a reset page shows before the first attempt; a policy that cannot be read is left out, not an error.
      const policy = state.exists ? await driver.passwordPolicy(user).catch(() => null) : null;
      return {
        code: 'OK',
        message: 'account state',
        details: {
          dn: state.dn,
          exists: state.exists,
          locked: state.locked,
          disabled: state.disabled,
          passwordLastSet: state.passwordLastSet === null ? null : formatTime(state.passwordLastSet),
          passwordChangeAllowedAt: state.passwordChangeAllowedAt === null ? null : formatTime(state.passwordChangeAllowedAt),
          mustChangePassword: state.mustChangePassword,
          ...(policy === null
            ? {}
            : { policy: { minLength: policy.minLength, complexity: policy.complexity, historyLength: policy.historyLength, minAgeSeconds: Math.round(policy.minAgeMs / 1000) } }),
        },
      };
    }
    case 'checkPermissions':
      return permissionOutcome(await driver.checkPermissions({ user }));
    case 'getContactInfo':
      return getContactInfo(command, user, ctx);
    case 'verifyPassword':
      return verifyPassword(command, user, secret, ctx);
    default:
      throw new AgentError('UNSUPPORTED_OPERATION', `operation ${command.op} is not supported`);
  }
}

/** A protected account's own reset through the on-premises opt-in (agent/policy/protected-self-service.ts); logged when it applies. */
async function allowedSelfService(command: Command, user: DirectoryUser, ctx: OperationContext): Promise<boolean> {
  const group = await protectedSelfServiceGroup(command, user, ctx.driver, ctx.config, ctx.logger);
  if (group !== null)
    ctx.logger?.warn('a protected account acts on itself through self-service (scope.selfServiceProtectedGroups)', {
      commandId: command.id,
      op: command.op,
      dn: user.dn,
      reason: user.protectedReason,
      group,
    });
  return group !== null;
}

/**
 * Whether the new password may already be in place: this agent crashed while applying it, or the
 * directory shows a change since the command was issued (another agent of the tenant may have
 * applied it before dropping off). Only then does the agent spend a bind to find out.
 */
function mayAlreadyHold(ctx: OperationContext, user: DirectoryUser, command: Command): boolean {
  if (ctx.maybeApplied) return true;
  if (user.mustChangePassword) return true;
  return user.passwordLastSet !== null && user.passwordLastSet.getTime() >= Date.parse(command.issuedAt);
}

function resetOptions(params: ResetPasswordParams): { forceChangeAtNextLogon: boolean; unlock: boolean; enforceHistory: boolean } {
  return { forceChangeAtNextLogon: params.forceChangeAtNextLogon, unlock: params.unlock, enforceHistory: params.enforceHistory };
}

function required(secret: Record<string, string> | null, name: string): string {
  const value = secret?.[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AgentError('DECRYPTION_FAILED', `the sealed secret has no ${name}`);
  }
  return value;
}

async function checkMinimumAge(driver: DirectoryDriver, user: DirectoryUser, now: Date): Promise<void> {
  if (user.passwordLastSet === null) return;
  const policy = await driver.passwordPolicy(user);
  const allowedAt = minimumAgeAllowedAt(user.passwordLastSet, policy.minAgeMs, now);
  if (allowedAt !== null) {
    throw new AgentError('PASSWORD_TOO_YOUNG', `the password was changed too recently; a change is possible from ${formatTime(allowedAt)}`, {
      details: { dn: user.dn, allowedAt: formatTime(allowedAt), minimumAgeSeconds: Math.round(policy.minAgeMs / 1000) },
    });
  }
}

function alreadyApplied(user: DirectoryUser, message: string): Outcome {
  const appliedAt = user.passwordLastSet ?? new Date();
  return { code: 'OK', message: `${message} (already applied before the agent restarted)`, details: { dn: user.dn, appliedAt: formatTime(appliedAt), alreadyApplied: true } };
}

function permissionOutcome(report: { directory: string; checks: { name: string; status: string; required: boolean; detail: string; fix?: string }[] }): Outcome {
  const missing = report.checks.filter((check) => check.status === 'MISSING' && check.required);
  return {
    code: 'OK',
    message: missing.length === 0 ? 'all required permissions present' : `missing: ${missing.map((check) => check.name).join(', ')}`,
    details: {
      directory: report.directory,
      checks: report.checks.map((check) => ({
        name: check.name,
        ok: check.status !== 'MISSING',
        status: check.status,
        required: check.required,
        detail: check.detail,
        ...(check.fix === undefined ? {} : { fix: check.fix }),
      })),
    },
  };
}
