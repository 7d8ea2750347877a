import type { Control } from 'ldapts';
import { PolicyReason, ResultCode } from '../../../protocol/codes.js';
import { AgentError } from '../../errors.js';
import type { ApplyOutcome, DirectoryUser, ResetOptions } from '../driver.js';
import { mapDirectoryError } from '../ldap/directory-errors.js';
import { Oid } from '../../../ldap-constants/oids.js';
import { AdAttribute, PwdLastSet } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { PolicyHintsControl } from './controls.js';
import { entryValue } from '../ldap/entry-values.js';
import { replaceValue } from './modifications.js';
import { precheckPassword } from './password-precheck.js';
import { AdRight } from './rights.js';
import { encodeUnicodePwd } from './unicode-pwd.js';
import { readUserEntry } from './user-lookup.js';

/** A follow-up write that did not happen after the password itself was set. */
export interface NotApplied {
  what: 'pwdLastSet' | 'lockoutTime';
  code: ResultCode;
  reason: string;
}

/** The policy hints control this DC understands, or null when it supports neither OID. */
async function policyHints(context: AdContext): Promise<Control | null> {
  const supported = await context.supportedControls();
  if (supported.has(Oid.policyHints)) return new PolicyHintsControl(Oid.policyHints);
  if (supported.has(Oid.policyHintsDeprecated)) return new PolicyHintsControl(Oid.policyHintsDeprecated);
  return null;
}

/**
 * Admin reset: replace unicodePwd (with the policy hints control when history must be enforced),
 * then pwdLastSet (0 to force a change, -1 so the new password is not born expired), then
 * lockoutTime 0 when unlocking a locked account. Once the password is set the outcome is a
 * success; a follow-up write that failed is listed in `details.notApplied` with its reason.
 */
export async function resetPassword(context: AdContext, user: DirectoryUser, password: string, options: ResetOptions): Promise<ApplyOutcome> {
  await precheckPassword(context, user, password);
  const details: Record<string, unknown> = {};
  const controls: Control[] = [];
  if (options.enforceHistory) {
    const hints = await policyHints(context);
    if (hints !== null) {
      controls.push(hints);
      details.historyEnforced = true;
    } else if (context.config.historyOnReset === 'require') {
      // Not PASSWORD_POLICY: no other password would pass either. The admin has to act (a newer DC,
      // or historyOnReset "bestEffort"), so this is reported as a missing capability of the agent's side.
      throw new AgentError(ResultCode.PERMISSION_DENIED, 'the domain controller cannot enforce password history on an admin reset, and the configuration requires it (historyOnReset "require")', {
        details: { reason: 'HISTORY_NOT_ENFORCEABLE', missing: AdRight.policyHints, policyReason: PolicyReason.HISTORY },
      });
    } else {
      details.historyEnforced = false;
    }
  }

  try {
    await context.withClient('resetPassword', (client) => client.modify(user.dn, [replaceValue(AdAttribute.unicodePwd, encodeUnicodePwd(password))], controls), { missing: AdRight.resetPassword });
  } catch (error) {
    throw withInferredHistoryReason(error, controls.length > 0);
  }
  const appliedAt = context.deps.now();
  const notApplied: NotApplied[] = [];

  const pwdLastSet = options.forceChangeAtNextLogon ? PwdLastSet.mustChange : PwdLastSet.now;
  details.mustChangePassword = options.forceChangeAtNextLogon;
  // What the follow-ups need: was pwdLastSet set by the reset itself (then writing -1 is a wasted,
  // slow write on a DC), and is the account locked. resolveUser's entry answers the second; the
  // first is learned from one read after a reset and kept, since a read per reset is a round trip.
  // Unknown, or an account whose pwdLastSet was 0: read, as before.
  const before = context.resolvedEntry(user);
  const lastSetBefore = before === null ? null : entryValue(before, AdAttribute.pwdLastSet);
  const learned = lastSetBefore !== null && lastSetBefore !== '0' ? context.resetSetsPwdLastSet() : null;
  const needRead = (!options.forceChangeAtNextLogon && learned === null) || (options.unlock && before === null);
  const entry = needRead
    ? await context.withClient('search', (client) => readUserEntry(client, user.dn, [AdAttribute.pwdLastSet, AdAttribute.lockoutTime]), { idempotent: true }).catch(() => null)
    : null;
  const lastSetNow = entry === null ? null : entryValue(entry, AdAttribute.pwdLastSet);
  if (entry !== null && lastSetBefore !== null && lastSetBefore !== '0') context.learnResetSetsPwdLastSet(lastSetNow !== null && lastSetNow !== '0');
  const setByReset = entry !== null ? lastSetNow !== null && lastSetNow !== '0' : learned === true;
  if (options.forceChangeAtNextLogon || !setByReset) {
    const lastSetFailure = await followUp(context, user.dn, AdAttribute.pwdLastSet, pwdLastSet, AdRight.writePwdLastSet);
    if (lastSetFailure !== null) {
      notApplied.push({ what: 'pwdLastSet', ...lastSetFailure });
      details.mustChangePassword = null;
    }
  }

  if (options.unlock) {
    const lockoutTime = entryValue(entry ?? before ?? undefined, AdAttribute.lockoutTime);
    // Only a locked account is unlocked: an unneeded write would fail without the right and be reported for nothing.
    if (lockoutTime !== null && lockoutTime !== '0') {
      const unlockFailure = await followUp(context, user.dn, AdAttribute.lockoutTime, '0', AdRight.writeLockoutTime);
      if (unlockFailure !== null) notApplied.push({ what: 'lockoutTime', ...unlockFailure });
      else details.unlocked = true;
    }
  }
  if (notApplied.length > 0) {
    details.notApplied = notApplied;
    context.deps.logger.warn('password reset applied, but follow-up writes failed', { dn: user.dn, notApplied });
  }
  return { dn: user.dn, appliedAt, details };
}

async function followUp(context: AdContext, dn: string, attribute: string, value: string, right: string): Promise<Omit<NotApplied, 'what'> | null> {
  try {
    await context.withClient('modify', (client) => client.modify(dn, [replaceValue(attribute, value)]), { idempotent: true, missing: right });
    return null;
  } catch (error) {
    const mapped = mapDirectoryError(error, { operation: 'modify', missing: right });
    const reason = mapped.code === ResultCode.PERMISSION_DENIED ? `${mapped.message}: needs ${right}` : mapped.message;
    return { code: mapped.code, reason };
  }
}

/**
 * A Windows DC answers 0000052D with no reason. On an admin reset it checks length, complexity and,
 * with the policy hints control, history; the agent checked the first two against the policy just
 * before, so a reasonless refusal with hints sent is the history check.
 */
function withInferredHistoryReason(error: unknown, hintsSent: boolean): unknown {
  if (hintsSent && error instanceof AgentError && error.code === ResultCode.PASSWORD_POLICY && (error.details.reason ?? PolicyReason.UNKNOWN) === PolicyReason.UNKNOWN) {
    return new AgentError(ResultCode.PASSWORD_POLICY, 'the new password was used before (password history)', {
      details: { ...error.details, reason: PolicyReason.HISTORY, reasonInferred: true },
      cause: error,
    });
  }
  return error;
}
