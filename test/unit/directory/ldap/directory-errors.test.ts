import test from 'ava';
import {
  BusyError,
  ConfidentialityRequiredError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoResultError,
  NoSuchObjectError,
  OperationsError,
  UnavailableCriticalExtensionError,
  UnavailableError,
  UnknownStatusCodeError,
  UnwillingToPerformError,
} from 'ldapts';
import { AgentError } from '../../../../agent/errors.js';
import { ResultCode } from '../../../../protocol/codes.js';
import {
  DIRECTORY_ERROR_TABLE,
  directoryErrorFacts,
  LdapTransportError,
  mapDirectoryError,
  matchDirectoryError,
  type DirectoryErrorContext,
} from '../../../../agent/directory/ldap/directory-errors.js';
import { PpolicyError } from '../../../../agent/directory/ldap/ppolicy-errors.js';

const reset: DirectoryErrorContext = { operation: 'resetPassword' };
const change: DirectoryErrorContext = { operation: 'changePassword' };
const userBind: DirectoryErrorContext = { operation: 'userBind' };
const serviceBind: DirectoryErrorContext = { operation: 'serviceBind' };

function errno(code: string, message = 'connect failed'): Error {
  return Object.assign(new Error(message), { code });
}

const samba = (tail: string) => `0000052D: Constraint violation - check_password_restrictions: ${tail}`;
const bindText = (data: string) => `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1`;

/** [label, error, context, expected code, expected details.reason] — one row per fact in DIRECTORY-FACTS.md and more. */
const cases: [string, unknown, DirectoryErrorContext, ResultCode, string][] = [
  // Samba's appended reasons after 0000052D (rc 19)
  ['samba too short', new ConstraintViolationError(samba('the password is too short. It should be equal or longer than 7 characters!')), reset, 'PASSWORD_POLICY', 'TOO_SHORT'],
  ['samba complexity', new ConstraintViolationError(samba('the password does not meet the complexity criteria!')), reset, 'PASSWORD_POLICY', 'COMPLEXITY'],
  ['samba in history', new ConstraintViolationError(samba('the password was already used (in history)!')), change, 'PASSWORD_POLICY', 'HISTORY'],
  ['samba previous password', new ConstraintViolationError(samba('the password was already used (previous password)!')), change, 'PASSWORD_POLICY', 'HISTORY'],
  ['samba too young', new ConstraintViolationError(samba('password is too young to change!')), change, 'PASSWORD_TOO_YOUNG', 'TOO_YOUNG'],
  ['windows 0000052D without reason', new ConstraintViolationError('0000052D: Constraint violation - check_password_restrictions'), reset, 'PASSWORD_POLICY', 'UNKNOWN'],
  [
    'windows 0000052D plain',
    new ConstraintViolationError('0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n'),
    reset,
    'PASSWORD_POLICY',
    'UNKNOWN',
  ],
  [
    'samba change while locked out 00000775',
    new ConstraintViolationError('00000775: Password change not permitted, account locked out! at ../../source4/dsdb/samdb/ldb_modules/password_hash.c:3929:setup_io'),
    change,
    'ACCOUNT_DISABLED',
    'LOCKED',
  ],
  [
    'wrong old password 00000056',
    new ConstraintViolationError("00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match!"),
    change,
    'WRONG_PASSWORD',
    'WRONG_PASSWORD',
  ],
  // rights
  ['samba reset without right', new InsufficientAccessError('error in module acl: insufficient access rights during LDB_MODIFY'), reset, 'PERMISSION_DENIED', 'INSUFFICIENT_ACCESS'],
  ['00002098 no write property', new InsufficientAccessError('00002098: Object CN=x has no write property access'), reset, 'PERMISSION_DENIED', 'INSUFFICIENT_ACCESS'],
  ['windows 00002098 SecErr', new InsufficientAccessError('00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0'), reset, 'PERMISSION_DENIED', 'INSUFFICIENT_ACCESS'],
  [
    'windows 0000001F unencrypted unicodePwd',
    new UnwillingToPerformError('0000001F: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0'),
    reset,
    'PERMISSION_DENIED',
    'ENCRYPTION_REQUIRED',
  ],
  ['windows 00000005 access denied', new InsufficientAccessError('00000005: SecErr: DSID-031520B2, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0'), reset, 'PERMISSION_DENIED', 'INSUFFICIENT_ACCESS'],
  ['rc 13 confidentiality required', new ConfidentialityRequiredError('TLS confidentiality required'), serviceBind, 'PERMISSION_DENIED', 'ENCRYPTION_REQUIRED'],
  ['samba bind on plain LDAP', Object.assign(new OperationsError('BindSimple: Transport encryption required.'), { code: 8 }), serviceBind, 'PERMISSION_DENIED', 'ENCRYPTION_REQUIRED'],
  ['samba policy hints critical unsupported', new UnavailableCriticalExtensionError('Unsupported critical extension 1.2.840.113556.1.4.2239'), reset, 'INTERNAL', 'CONTROL_UNSUPPORTED'],
  // AD bind data codes, user bind
  ['bind 52e', new InvalidCredentialsError(bindText('52e')), userBind, 'WRONG_PASSWORD', 'WRONG_PASSWORD'],
  ['bind 525', new InvalidCredentialsError(bindText('525')), userBind, 'USER_NOT_FOUND', 'NO_SUCH_USER'],
  ['bind 530', new InvalidCredentialsError(bindText('530')), userBind, 'ACCOUNT_DISABLED', 'LOGON_HOURS'],
  ['bind 531', new InvalidCredentialsError(bindText('531')), userBind, 'ACCOUNT_DISABLED', 'WORKSTATION_RESTRICTED'],
  ['bind 532', new InvalidCredentialsError(bindText('532')), userBind, 'ACCOUNT_DISABLED', 'PASSWORD_EXPIRED'],
  ['bind 533', new InvalidCredentialsError(bindText('533')), userBind, 'ACCOUNT_DISABLED', 'DISABLED'],
  ['bind 701', new InvalidCredentialsError(bindText('701')), userBind, 'ACCOUNT_DISABLED', 'ACCOUNT_EXPIRED'],
  ['bind 773', new InvalidCredentialsError(bindText('773')), userBind, 'ACCOUNT_DISABLED', 'MUST_CHANGE_PASSWORD'],
  ['bind 775', new InvalidCredentialsError(bindText('775')), userBind, 'ACCOUNT_DISABLED', 'LOCKED'],
  // the agent's own bind failing is an account problem whatever the sub-status
  ['service bind 52e', new InvalidCredentialsError(bindText('52e')), serviceBind, 'PERMISSION_DENIED', 'SERVICE_BIND_FAILED'],
  ['service bind 775', new InvalidCredentialsError(bindText('775')), serviceBind, 'PERMISSION_DENIED', 'SERVICE_BIND_FAILED'],
  ['service bind rc 49 (OpenLDAP)', new InvalidCredentialsError('Invalid Credentials'), serviceBind, 'PERMISSION_DENIED', 'SERVICE_BIND_FAILED'],
  ['user bind rc 49 (OpenLDAP)', new InvalidCredentialsError('Invalid Credentials'), userBind, 'WRONG_PASSWORD', 'WRONG_PASSWORD'],
  // ppolicy response control
  ['ppolicy 0 expired', new InvalidCredentialsError(''), { ...userBind, ppolicyError: PpolicyError.passwordExpired }, 'ACCOUNT_DISABLED', 'PASSWORD_EXPIRED'],
  ['ppolicy 1 locked', new InvalidCredentialsError(''), { ...userBind, ppolicyError: PpolicyError.accountLocked }, 'ACCOUNT_DISABLED', 'LOCKED'],
  [
    'ppolicy 2 changeAfterReset',
    new InsufficientAccessError('Operations are restricted to bind/unbind/abandon/StartTLS/modify password'),
    { operation: 'modify', ppolicyError: PpolicyError.changeAfterReset },
    'ACCOUNT_DISABLED',
    'MUST_CHANGE_PASSWORD',
  ],
  ['ppolicy 3 mod not allowed', new InsufficientAccessError(''), { ...change, ppolicyError: PpolicyError.passwordModNotAllowed }, 'PERMISSION_DENIED', 'PASSWORD_MOD_NOT_ALLOWED'],
  ['ppolicy 4 must supply old', new UnwillingToPerformError(''), { ...change, ppolicyError: PpolicyError.mustSupplyOldPassword }, 'PERMISSION_DENIED', 'MUST_SUPPLY_OLD_PASSWORD'],
  ['ppolicy 5 quality', new ConstraintViolationError('Password fails quality checking policy'), { ...reset, ppolicyError: PpolicyError.insufficientPasswordQuality }, 'PASSWORD_POLICY', 'QUALITY'],
  ['ppolicy 6 too short', new ConstraintViolationError('Password fails quality checking policy'), { ...reset, ppolicyError: PpolicyError.passwordTooShort }, 'PASSWORD_POLICY', 'TOO_SHORT'],
  ['ppolicy 7 too young', new ConstraintViolationError('Password is too young to change'), { ...change, ppolicyError: PpolicyError.passwordTooYoung }, 'PASSWORD_TOO_YOUNG', 'TOO_YOUNG'],
  ['ppolicy 8 in history', new ConstraintViolationError('Password is in history of old passwords'), { ...change, ppolicyError: PpolicyError.passwordInHistory }, 'PASSWORD_POLICY', 'HISTORY'],
  ['rc 19 without control', new ConstraintViolationError('some constraint'), reset, 'PASSWORD_POLICY', 'UNKNOWN'],
  // plain codes
  ['rc 50 OpenLDAP', new InsufficientAccessError('no write access to parent'), reset, 'PERMISSION_DENIED', 'INSUFFICIENT_ACCESS'],
  ['rc 32', new NoSuchObjectError(''), reset, 'USER_NOT_FOUND', 'NO_SUCH_OBJECT'],
  ['rc 34', new InvalidDNSyntaxError('invalid DN'), reset, 'USER_NOT_FOUND', 'INVALID_DN'],
  ['rc 53 OpenLDAP wrong old password', new UnwillingToPerformError('unwilling to verify old password'), change, 'WRONG_PASSWORD', 'WRONG_PASSWORD'],
  ['rc 53 OpenLDAP other', new UnwillingToPerformError('operation not supported for current user'), change, 'PERMISSION_DENIED', 'UNWILLING_TO_PERFORM'],
  ['rc 51', new BusyError(''), reset, 'DIRECTORY_UNAVAILABLE', 'SERVER_UNAVAILABLE'],
  ['rc 52', new UnavailableError(''), reset, 'DIRECTORY_UNAVAILABLE', 'SERVER_UNAVAILABLE'],
  ['rc 80', new UnknownStatusCodeError(80, 'other'), reset, 'DIRECTORY_UNAVAILABLE', 'SERVER_UNAVAILABLE'],
  ['rc 81', new UnknownStatusCodeError(81, 'server down'), reset, 'DIRECTORY_UNAVAILABLE', 'SERVER_UNAVAILABLE'],
  ['ldapts no result', new NoResultError(), reset, 'DIRECTORY_UNAVAILABLE', 'CONNECTION_FAILED'],
  // transport
  ['ECONNREFUSED', errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), reset, 'DIRECTORY_UNAVAILABLE', 'CONNECTION_FAILED'],
  ['ECONNRESET', errno('ECONNRESET'), reset, 'DIRECTORY_UNAVAILABLE', 'CONNECTION_FAILED'],
  ['ETIMEDOUT', errno('ETIMEDOUT'), reset, 'DIRECTORY_UNAVAILABLE', 'TIMEOUT'],
  ['ldapts connect timeout', new Error('Connection timeout'), reset, 'DIRECTORY_UNAVAILABLE', 'TIMEOUT'],
  ['ldapts op timeout', new Error('ModifyRequest: Operation timed out'), reset, 'DIRECTORY_UNAVAILABLE', 'TIMEOUT'],
  ['ldapts closed', new Error('Connection closed before message response was received. Message type: ModifyRequest (0x66)'), reset, 'DIRECTORY_UNAVAILABLE', 'CONNECTION_FAILED'],
  ['ldapts socket error', new Error('Socket error. Message type: SearchRequest (0x63)\nread ECONNRESET'), reset, 'DIRECTORY_UNAVAILABLE', 'CONNECTION_FAILED'],
  ['our timeout', new LdapTransportError('timeout', 'StartTLS timed out'), reset, 'DIRECTORY_UNAVAILABLE', 'TIMEOUT'],
  ['TLS self-signed', errno('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), serviceBind, 'DIRECTORY_UNAVAILABLE', 'TLS_VERIFICATION_FAILED'],
  ['TLS altname', errno('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), serviceBind, 'DIRECTORY_UNAVAILABLE', 'TLS_VERIFICATION_FAILED'],
  ['TLS unknown CA', errno('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), serviceBind, 'DIRECTORY_UNAVAILABLE', 'TLS_VERIFICATION_FAILED'],
  // unknown
  ['plain Error', new Error('something odd'), reset, 'INTERNAL', 'UNEXPECTED_DIRECTORY_ERROR'],
  ['rc 64', new UnknownStatusCodeError(64, 'naming violation'), reset, 'INTERNAL', 'UNEXPECTED_DIRECTORY_ERROR'],
  ['not an Error', 'a string', reset, 'INTERNAL', 'UNEXPECTED_DIRECTORY_ERROR'],
];

for (const [label, error, context, code, reason] of cases) {
  test(`maps ${label} to ${code} (${reason})`, (t) => {
    const mapped = mapDirectoryError(error, context);
    t.true(mapped instanceof AgentError);
    t.is(mapped.code, code);
    t.is(mapped.details.reason, reason);
    t.is(mapped.cause, error);
  });
}

test('never copies server text into the message or details', (t) => {
  const secretish = 'Hunter2Secret!';
  for (const [, error, context] of cases) {
    const tainted = error instanceof Error ? Object.assign(error, { message: `${error.message} ${secretish}` }) : error;
    const mapped = mapDirectoryError(tainted, context);
    t.false(mapped.message.includes(secretish));
    t.false(JSON.stringify(mapped.details).includes(secretish));
    t.false(mapped.message.includes('DSID'));
    t.false(JSON.stringify(mapped.details).includes('check_password'));
  }
});

test('rc 50 carries details.missing when the caller knows the right', (t) => {
  const mapped = mapDirectoryError(new InsufficientAccessError(''), { operation: 'resetPassword', missing: 'write on userPassword' });
  t.is(mapped.details.missing, 'write on userPassword');
  t.is(mapped.details.ldapResultCode, 50);
});

test('PASSWORD_TOO_YOUNG carries details.allowedAt when known', (t) => {
  const allowedAt = new Date('2026-11-22T10:00:00.000Z');
  const mapped = mapDirectoryError(new ConstraintViolationError(''), { operation: 'changePassword', ppolicyError: 7, allowedAt });
  t.is(mapped.details.allowedAt, '2026-11-22T10:00:00.000Z');
});

test('an AgentError passes through unchanged', (t) => {
  const original = new AgentError(ResultCode.OUT_OF_SCOPE, 'outside');
  t.is(mapDirectoryError(original, reset), original);
});

test('every row of the table is reached by some case', (t) => {
  const reached = new Set<string>();
  for (const [, error, context] of cases) {
    const row = matchDirectoryError(directoryErrorFacts(error, context.ppolicyError), context);
    if (row !== null) reached.add(row.id);
  }
  t.deepEqual(
    DIRECTORY_ERROR_TABLE.map((row) => row.id).filter((id) => !reached.has(id)),
    [],
  );
});
