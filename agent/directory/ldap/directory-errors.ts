/**
 * THE table from directory errors (LDAP result codes, AD diagnostic codes, Samba reasons, AD bind
 * sub-statuses, ppolicy control errors, transport failures) to protocol result codes. Both
 * drivers send every caught error through `mapDirectoryError`; nothing else decides codes.
 *
 * The AgentError it returns never carries server text or a password: the message and
 * `details.reason` come from this table only; the original error is kept as `cause` for local
 * debugging logs.
 */
import { AgentError, isAgentError } from '../../errors.js';
import { PolicyReason, ResultCode } from '../../../protocol/codes.js';
import { AdBindData, AdDiagnosticCode, SambaPasswordReason } from '../../../ldap-constants/ad-diagnostic-codes.js';
import { PpolicyError } from './ppolicy-errors.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';

/** What the failing request was: the same LDAP code means different things for each. */
export type DirectoryOperation = 'serviceBind' | 'userBind' | 'search' | 'resetPassword' | 'changePassword' | 'unlockAccount' | 'modify' | 'probe';

export interface DirectoryErrorContext {
  operation: DirectoryOperation;
  /** `error` of the ppolicy response control, when the request carried the control and it came back. */
  ppolicyError?: number | null | undefined;
  /** The right or attribute access the request needed; becomes `details.missing` on an access refusal. */
  missing?: string | undefined;
  /** When a change becomes possible (PASSWORD_TOO_YOUNG's `details.allowedAt`), when known. */
  allowedAt?: Date | null | undefined;
}

export type TransportFailure = 'connection' | 'timeout' | 'tls';

/** Thrown by the connection pool (and usable by drivers) for a failure below LDAP. Its message is ours, safe. */
export class LdapTransportError extends Error {
  override readonly name = 'LdapTransportError';
  constructor(
    readonly kind: TransportFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The facts read from one error: each row of the table matches on these. */
export interface DirectoryErrorFacts {
  ldapCode: number | null;
  /** Leading 8-digit hex code of an AD diagnostic, upper case. */
  adCode: string | null;
  /** `data X` of a failed AD bind, lower case. */
  adBindData: string | null;
  sambaReason: SambaPasswordReason | null;
  ppolicyError: number | null;
  transport: TransportFailure | null;
  /** slapd's Password Modify refusal of a wrong old password ("unwilling to verify old password", rc 53). */
  oldPasswordUnverified: boolean;
}

const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
]);
const TIMEOUT_ERRNO = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const TLS_ERRNO = /^(?:CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;
/** ldapts reports these failures as plain Errors with fixed English messages. */
const LDAPTS_TIMEOUT = /Connection timeout|Operation timed out/;
const LDAPTS_CONNECTION = /Socket error|Connection closed before message response|Socket connection not established|write after end/;

function stringProp(error: unknown, key: string): string | null {
  if (typeof error !== 'object' || error === null || !(key in error)) return null;
  const value = (error as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

function numberProp(error: unknown, key: string): number | null {
  if (typeof error !== 'object' || error === null || !(key in error)) return null;
  const value = (error as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : null;
}

function transportOf(error: unknown): TransportFailure | null {
  if (error instanceof LdapTransportError) return error.kind;
  const errno = stringProp(error, 'code');
  if (errno !== null) {
    if (TIMEOUT_ERRNO.has(errno)) return 'timeout';
    if (CONNECTION_ERRNO.has(errno)) return 'connection';
    if (TLS_ERRNO.test(errno)) return 'tls';
  }
  const message = error instanceof Error ? error.message : '';
  if (LDAPTS_TIMEOUT.test(message)) return 'timeout';
  if (LDAPTS_CONNECTION.test(message)) return 'connection';
  if (error instanceof Error && error.cause !== undefined && error.cause !== error) return transportOf(error.cause);
  return null;
}

function sambaReasonOf(text: string): SambaPasswordReason | null {
  const lower = text.toLowerCase();
  for (const reason of Object.values(SambaPasswordReason)) if (lower.includes(reason)) return reason;
  return null;
}

/** Reads the facts the table matches on; exported for tests and for drivers that branch on them. */
export function directoryErrorFacts(error: unknown, ppolicyError?: number | null): DirectoryErrorFacts {
  const ldapCode = numberProp(error, 'code');
  const text = error instanceof Error ? error.message : '';
  const adCode = /^\s*([0-9A-Fa-f]{8}):/.exec(text)?.[1]?.toUpperCase() ?? null;
  const adBindData = /AcceptSecurityContext error, data ([0-9A-Fa-f]+)/.exec(text)?.[1]?.toLowerCase() ?? null;
  return {
    ldapCode,
    adCode,
    adBindData,
    sambaReason: adCode === AdDiagnosticCode.passwordRestriction ? sambaReasonOf(text) : null,
    ppolicyError: ppolicyError ?? null,
    transport: ldapCode === null || ldapCode === LdapResultCode.noResult ? transportOf(error) : null,
    oldPasswordUnverified: ldapCode === LdapResultCode.unwillingToPerform && /unwilling to verify old password/i.test(text),
  };
}

interface Outcome {
  code: ResultCode;
  /** Short, fixed, safe: goes into the message and `details.reason`. */
  reason: string;
  message: string;
}

interface Row {
  /** Names the row in tests and in debug logs. */
  id: string;
  when: (facts: DirectoryErrorFacts, context: DirectoryErrorContext) => boolean;
  then: Outcome | ((facts: DirectoryErrorFacts, context: DirectoryErrorContext) => Outcome);
}

const rc = (code: number) => (facts: DirectoryErrorFacts) => facts.ldapCode === code;
const policy = (reason: PolicyReason, message: string): Outcome => ({ code: ResultCode.PASSWORD_POLICY, reason, message });
const serviceAccountRefused: Outcome = { code: ResultCode.PERMISSION_DENIED, reason: 'SERVICE_BIND_FAILED', message: "the directory refused the agent's own bind" };

/** A failed bind of the agent's service account is an account problem whatever the sub-status. */
function bindOutcome(user: Outcome) {
  return (_facts: DirectoryErrorFacts, context: DirectoryErrorContext): Outcome => (context.operation === 'serviceBind' ? serviceAccountRefused : user);
}

const TOO_YOUNG: Outcome = { code: ResultCode.PASSWORD_TOO_YOUNG, reason: 'TOO_YOUNG', message: 'the password was changed too recently to change it again' };
const LOCKED: Outcome = { code: ResultCode.ACCOUNT_DISABLED, reason: 'LOCKED', message: 'the account is locked' };
const MUST_CHANGE: Outcome = { code: ResultCode.ACCOUNT_DISABLED, reason: 'MUST_CHANGE_PASSWORD', message: 'the account must change its password first' };
const EXPIRED_PASSWORD: Outcome = { code: ResultCode.ACCOUNT_DISABLED, reason: 'PASSWORD_EXPIRED', message: 'the password has expired' };

/** Ordered: the first row that matches decides. Transport first, then ppolicy, then AD codes, then plain result codes. */
export const DIRECTORY_ERROR_TABLE: readonly Row[] = [
  // Transport: nothing reached the directory, or no answer came back. Transient.
  { id: 'timeout', when: (f) => f.transport === 'timeout', then: { code: ResultCode.DIRECTORY_UNAVAILABLE, reason: 'TIMEOUT', message: 'the directory did not answer in time' } },
  {
    id: 'tls',
    when: (f) => f.transport === 'tls',
    then: { code: ResultCode.DIRECTORY_UNAVAILABLE, reason: 'TLS_VERIFICATION_FAILED', message: "the directory's TLS certificate could not be verified" },
  },
  { id: 'connection', when: (f) => f.transport === 'connection', then: { code: ResultCode.DIRECTORY_UNAVAILABLE, reason: 'CONNECTION_FAILED', message: 'the directory could not be reached' } },

  // ppolicy response control (OpenLDAP): the most precise reason when present.
  { id: 'ppolicy.passwordExpired', when: (f) => f.ppolicyError === PpolicyError.passwordExpired, then: bindOutcome(EXPIRED_PASSWORD) },
  { id: 'ppolicy.accountLocked', when: (f) => f.ppolicyError === PpolicyError.accountLocked, then: bindOutcome(LOCKED) },
  { id: 'ppolicy.changeAfterReset', when: (f) => f.ppolicyError === PpolicyError.changeAfterReset, then: bindOutcome(MUST_CHANGE) },
  {
    id: 'ppolicy.passwordModNotAllowed',
    when: (f) => f.ppolicyError === PpolicyError.passwordModNotAllowed,
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'PASSWORD_MOD_NOT_ALLOWED', message: 'the password policy does not allow this password change' },
  },
  {
    id: 'ppolicy.mustSupplyOldPassword',
    when: (f) => f.ppolicyError === PpolicyError.mustSupplyOldPassword,
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'MUST_SUPPLY_OLD_PASSWORD', message: 'the password policy requires the old password' },
  },
  {
    id: 'ppolicy.insufficientPasswordQuality',
    when: (f) => f.ppolicyError === PpolicyError.insufficientPasswordQuality,
    then: policy(PolicyReason.QUALITY, 'the new password does not meet the quality requirements'),
  },
  { id: 'ppolicy.passwordTooShort', when: (f) => f.ppolicyError === PpolicyError.passwordTooShort, then: policy(PolicyReason.TOO_SHORT, 'the new password is too short') },
  { id: 'ppolicy.passwordTooYoung', when: (f) => f.ppolicyError === PpolicyError.passwordTooYoung, then: TOO_YOUNG },
  { id: 'ppolicy.passwordInHistory', when: (f) => f.ppolicyError === PpolicyError.passwordInHistory, then: policy(PolicyReason.HISTORY, 'the new password was used before') },

  // AD bind sub-statuses (`AcceptSecurityContext error, data X`).
  {
    id: 'ad.bind.52e',
    when: (f) => f.adBindData === AdBindData.wrongPassword,
    then: bindOutcome({ code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', message: 'the password does not match' }),
  },
  {
    id: 'ad.bind.525',
    when: (f) => f.adBindData === AdBindData.noSuchUser,
    then: bindOutcome({ code: ResultCode.USER_NOT_FOUND, reason: 'NO_SUCH_USER', message: 'the directory knows no such user' }),
  },
  {
    id: 'ad.bind.530',
    when: (f) => f.adBindData === AdBindData.logonHours,
    then: bindOutcome({ code: ResultCode.ACCOUNT_DISABLED, reason: 'LOGON_HOURS', message: 'the account may not log on at this time' }),
  },
  {
    id: 'ad.bind.531',
    when: (f) => f.adBindData === AdBindData.workstation,
    then: bindOutcome({ code: ResultCode.ACCOUNT_DISABLED, reason: 'WORKSTATION_RESTRICTED', message: 'the account may not log on from this workstation' }),
  },
  { id: 'ad.bind.532', when: (f) => f.adBindData === AdBindData.passwordExpired, then: bindOutcome(EXPIRED_PASSWORD) },
  { id: 'ad.bind.533', when: (f) => f.adBindData === AdBindData.disabled, then: bindOutcome({ code: ResultCode.ACCOUNT_DISABLED, reason: 'DISABLED', message: 'the account is disabled' }) },
  {
    id: 'ad.bind.701',
    when: (f) => f.adBindData === AdBindData.accountExpired,
    then: bindOutcome({ code: ResultCode.ACCOUNT_DISABLED, reason: 'ACCOUNT_EXPIRED', message: 'the account has expired' }),
  },
  { id: 'ad.bind.773', when: (f) => f.adBindData === AdBindData.mustChangePassword, then: bindOutcome(MUST_CHANGE) },
  { id: 'ad.bind.775', when: (f) => f.adBindData === AdBindData.locked, then: bindOutcome(LOCKED) },

  // AD diagnostic codes: the leading hex code first, Samba's appended wording second.
  {
    id: 'ad.0000052D.tooShort',
    when: (f) => f.adCode === AdDiagnosticCode.passwordRestriction && f.sambaReason === SambaPasswordReason.tooShort,
    then: policy(PolicyReason.TOO_SHORT, 'the new password is too short'),
  },
  {
    id: 'ad.0000052D.complexity',
    when: (f) => f.adCode === AdDiagnosticCode.passwordRestriction && f.sambaReason === SambaPasswordReason.complexity,
    then: policy(PolicyReason.COMPLEXITY, 'the new password does not meet the complexity requirements'),
  },
  {
    id: 'ad.0000052D.history',
    when: (f) => f.adCode === AdDiagnosticCode.passwordRestriction && (f.sambaReason === SambaPasswordReason.inHistory || f.sambaReason === SambaPasswordReason.previousPassword),
    then: policy(PolicyReason.HISTORY, 'the new password was used before'),
  },
  { id: 'ad.0000052D.tooYoung', when: (f) => f.adCode === AdDiagnosticCode.passwordRestriction && f.sambaReason === SambaPasswordReason.tooYoung, then: TOO_YOUNG },
  // Windows gives no reason: length, complexity, history or minimum age, unknown which.
  { id: 'ad.0000052D', when: (f) => f.adCode === AdDiagnosticCode.passwordRestriction, then: policy(PolicyReason.UNKNOWN, 'the new password does not meet the password policy') },
  { id: 'ad.00000775', when: (f) => f.adCode === AdDiagnosticCode.accountLockedOut, then: LOCKED },
  { id: 'ad.00000056', when: (f) => f.adCode === AdDiagnosticCode.invalidPassword, then: { code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', message: 'the old password does not match' } },
  {
    id: 'ad.00002098',
    when: (f) => f.adCode === AdDiagnosticCode.insufficientAccessRights,
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'INSUFFICIENT_ACCESS', message: "the agent's account lacks a right for this change" },
  },
  {
    id: 'ad.00000005',
    when: (f) => f.adCode === AdDiagnosticCode.accessDenied,
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'INSUFFICIENT_ACCESS', message: "the agent's account lacks a right for this change" },
  },
  // Windows refuses unicodePwd writes on an unencrypted connection.
  {
    id: 'ad.0000001F',
    when: (f) => f.adCode === AdDiagnosticCode.willNotPerform,
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'ENCRYPTION_REQUIRED', message: 'the directory requires an encrypted connection for this change' },
  },

  // OpenLDAP: Password Modify with a wrong oldPasswd (the user's bind normally catches it first).
  { id: 'openldap.53.oldPassword', when: (f) => f.oldPasswordUnverified, then: { code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', message: 'the old password does not match' } },

  // Plain LDAP result codes.
  { id: 'ldap.49', when: rc(LdapResultCode.invalidCredentials), then: bindOutcome({ code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', message: 'the password does not match' }) },
  { id: 'ldap.19', when: rc(LdapResultCode.constraintViolation), then: policy(PolicyReason.UNKNOWN, 'the new password does not meet the password policy') },
  {
    id: 'ldap.50',
    when: rc(LdapResultCode.insufficientAccessRights),
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'INSUFFICIENT_ACCESS', message: "the agent's account lacks a right for this change" },
  },
  { id: 'ldap.32', when: rc(LdapResultCode.noSuchObject), then: { code: ResultCode.USER_NOT_FOUND, reason: 'NO_SUCH_OBJECT', message: 'the entry does not exist' } },
  { id: 'ldap.34', when: rc(LdapResultCode.invalidDnSyntax), then: { code: ResultCode.USER_NOT_FOUND, reason: 'INVALID_DN', message: 'the DN is not valid' } },
  {
    id: 'ldap.8',
    when: rc(LdapResultCode.strongerAuthRequired),
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'ENCRYPTION_REQUIRED', message: 'the directory requires an encrypted connection' },
  },
  {
    id: 'ldap.13',
    when: rc(LdapResultCode.confidentialityRequired),
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'ENCRYPTION_REQUIRED', message: 'the directory requires an encrypted connection' },
  },
  {
    id: 'ldap.53',
    when: rc(LdapResultCode.unwillingToPerform),
    then: { code: ResultCode.PERMISSION_DENIED, reason: 'UNWILLING_TO_PERFORM', message: 'the directory is unwilling to perform this change' },
  },
  {
    id: 'ldap.12',
    when: rc(LdapResultCode.unavailableCriticalExtension),
    then: { code: ResultCode.INTERNAL, reason: 'CONTROL_UNSUPPORTED', message: 'the directory does not support a control the agent required' },
  },
  {
    id: 'ldap.unavailable',
    when: (f) =>
      f.ldapCode === LdapResultCode.busy ||
      f.ldapCode === LdapResultCode.unavailable ||
      f.ldapCode === LdapResultCode.other ||
      f.ldapCode === LdapResultCode.serverDown ||
      f.ldapCode === LdapResultCode.timeLimitExceeded,
    then: { code: ResultCode.DIRECTORY_UNAVAILABLE, reason: 'SERVER_UNAVAILABLE', message: 'the directory is busy or unavailable' },
  },
  { id: 'ldap.noResult', when: rc(LdapResultCode.noResult), then: { code: ResultCode.DIRECTORY_UNAVAILABLE, reason: 'CONNECTION_FAILED', message: 'the directory closed the connection' } },
];

const UNKNOWN: Outcome = { code: ResultCode.INTERNAL, reason: 'UNEXPECTED_DIRECTORY_ERROR', message: 'unexpected directory error' };

/** The row that decides for these facts, or null (then the outcome is INTERNAL). */
export function matchDirectoryError(facts: DirectoryErrorFacts, context: DirectoryErrorContext): Row | null {
  return DIRECTORY_ERROR_TABLE.find((row) => row.when(facts, context)) ?? null;
}

/** Turns any error from a directory operation into the AgentError the dispatch point sends. AgentErrors pass through. */
export function mapDirectoryError(error: unknown, context: DirectoryErrorContext): AgentError {
  if (isAgentError(error)) return error;
  const facts = directoryErrorFacts(error, context.ppolicyError);
  const row = matchDirectoryError(facts, context);
  const outcome = row === null ? UNKNOWN : typeof row.then === 'function' ? row.then(facts, context) : row.then;
  const details: Record<string, unknown> = { reason: outcome.reason };
  if (facts.ldapCode !== null) details.ldapResultCode = facts.ldapCode;
  if (facts.adCode !== null) details.adCode = facts.adCode;
  if (facts.adBindData !== null) details.adBindData = facts.adBindData;
  if (facts.ppolicyError !== null) details.ppolicyError = facts.ppolicyError;
  if (outcome.code === ResultCode.PERMISSION_DENIED && context.missing !== undefined) details.missing = context.missing;
  if (outcome.code === ResultCode.PASSWORD_TOO_YOUNG && context.allowedAt) details.allowedAt = context.allowedAt.toISOString();
  return new AgentError(outcome.code, outcome.message, { details, cause: error });
}

/** True for failures that never reached the directory's decision: safe to retry a read elsewhere. */
export function isTransportFailure(error: unknown): boolean {
  const facts = directoryErrorFacts(error);
  if (facts.transport !== null) return true;
  return facts.ldapCode === LdapResultCode.noResult || facts.ldapCode === LdapResultCode.busy || facts.ldapCode === LdapResultCode.unavailable || facts.ldapCode === LdapResultCode.serverDown;
}
