import { formatTime, resetParams, type Command } from '../../protocol/index.js';
import type { DirectoryConfig } from '../directory/directory-config.js';
import type { ApplyOutcome, DirectoryDriver, DirectoryUser, PermissionReport } from '../directory/driver.js';
import { permissionReportJson } from '../directory/permission-report-json.js';
import { AgentError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Outcome } from './error-to-result.js';
import { getContactInfo } from './ops/get-contact-info.js';
import { verifyPassword } from './ops/verify-password.js';

/** What an operation needs of its directory (the portal ops in ops/ take it too). */
export interface OperationContext {
  driver: DirectoryDriver;
  config: DirectoryConfig;
  now: () => Date;
  /** For local lines of the portal ops (groups the agent cannot read, protected self-service). */
  logger?: Logger;
}

/** The passwords a password operation carries in its sealed secret. */
export interface Passwords {
  newPassword: string;
  /** changePassword only. */
  oldPassword?: string;
}

/**
 * SPEC.md step 11: the operation itself on a user that passed every earlier step. Writes go to the
 * directory here and nowhere else; reads (state, permissions, portal) answer from it.
 */
export async function applyOperation(command: Command, user: DirectoryUser, secret: Record<string, string> | null, passwords: Passwords | null, ctx: OperationContext): Promise<Outcome> {
  const { driver } = ctx;
  switch (command.op) {
    case 'resetPassword': {
      const params = resetParams(command.params);
      const options = { forceChangeAtNextLogon: params.forceChangeAtNextLogon, unlock: params.unlock, enforceHistory: params.enforceHistory };
      return applied('password reset', await driver.resetPassword(user, passwords!.newPassword, options));
    }
    case 'changePassword':
      return applied('password changed', await driver.changePassword(user, passwords!.oldPassword!, passwords!.newPassword));
    case 'unlockAccount':
      return applied('account unlocked', await driver.unlockAccount(user));
    case 'getAccountState':
      return accountStateOutcome(user, driver);
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

function applied(message: string, outcome: ApplyOutcome): Outcome {
  return { code: 'OK', message, details: { ...outcome.details, dn: outcome.dn, appliedAt: formatTime(outcome.appliedAt) } };
}

async function accountStateOutcome(user: DirectoryUser, driver: DirectoryDriver): Promise<Outcome> {
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
      ...(policy === null ? {} : { policy: { minLength: policy.minLength, complexity: policy.complexity, historyLength: policy.historyLength, minAgeSeconds: Math.round(policy.minAgeMs / 1000) } }),
    },
  };
}

/** checkPermissions' result, with or without a target. */
export function permissionOutcome(report: PermissionReport): Outcome {
  const missing = report.checks.filter((check) => check.status === 'MISSING' && check.required);
  return {
    code: 'OK',
    message: missing.length === 0 ? 'all required permissions present' : `missing: ${missing.map((check) => check.name).join(', ')}`,
    details: permissionReportJson(report),
  };
}
