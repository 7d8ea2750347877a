import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  MAX_SECRET_PASSWORD,
  OPERATIONS,
  PORTAL_OPERATIONS,
  isKnownOperation,
  isSelfService,
  opNeedsSecret,
  secretShapeProblem,
  validateCommandMessage,
  type JsonObject,
} from '../../../protocol/index.js';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
const frame = vectors.command.message as JsonObject & { command: JsonObject };

function command(changes: JsonObject): JsonObject {
  return { ...frame, command: { ...frame.command, ...changes } };
}

test('the portal ops are known besides SPEC.md v1 ops, and v1 ops stay as they are', (t) => {
  t.deepEqual([...PORTAL_OPERATIONS], ['getContactInfo', 'verifyPassword']);
  t.deepEqual([...OPERATIONS], ['resetPassword', 'changePassword', 'unlockAccount', 'getAccountState', 'checkPermissions']);
  for (const op of [...OPERATIONS, ...PORTAL_OPERATIONS]) t.true(isKnownOperation(op), op);
  t.false(isKnownOperation('deleteUser'));
  t.false(isKnownOperation('__proto__'));
});

test('verifyPassword needs a sealed secret and a target; getContactInfo needs a target only', (t) => {
  t.true(opNeedsSecret('verifyPassword'));
  t.false(opNeedsSecret('getContactInfo'));
  const { secret: _secret, ...withoutSecret } = frame.command;
  t.like(validateCommandMessage({ ...frame, command: { ...withoutSecret, op: 'verifyPassword' } }), { ok: false, reason: 'command.secret is required for verifyPassword' });
  t.like(validateCommandMessage(command({ op: 'verifyPassword' })), { ok: true });
  t.like(validateCommandMessage({ ...frame, command: { ...withoutSecret, op: 'getContactInfo' } }), { ok: true });
  const { target: _target, ...withoutTarget } = withoutSecret;
  t.like(validateCommandMessage({ ...frame, command: { ...withoutTarget, op: 'getContactInfo' } }), { ok: false, reason: 'command.target is required for this op' });
});

test('params.selfService is a boolean on the write ops, ignored elsewhere like any unknown member', (t) => {
  for (const op of ['resetPassword', 'changePassword', 'unlockAccount']) {
    t.like(validateCommandMessage(command({ op, params: { selfService: true } })), { ok: true }, op);
    t.like(validateCommandMessage(command({ op, params: { selfService: 'yes' } })), { ok: false, reason: 'command.params.selfService must be a boolean' }, op);
  }
  t.like(validateCommandMessage(command({ op: 'getAccountState', params: { selfService: 'yes' } })), { ok: true });
  t.true(isSelfService({ selfService: true }));
  t.false(isSelfService({ selfService: 'true' }));
  t.false(isSelfService({}));
});

test('the opened secret shape: every member there, non-empty, bounded, named without its value', (t) => {
  t.is(secretShapeProblem('verifyPassword', { password: 'Right#Pass1' }), null);
  t.is(secretShapeProblem('verifyPassword', { newPassword: 'Right#Pass1' }), 'the sealed secret has no password');
  t.is(secretShapeProblem('verifyPassword', { password: '' }), 'the sealed secret has no password');
  const long = 'x'.repeat(MAX_SECRET_PASSWORD + 1);
  const problem = secretShapeProblem('verifyPassword', { password: long });
  t.regex(problem ?? '', /longer than 1024/);
  t.false((problem ?? '').includes(long));
  t.is(secretShapeProblem('changePassword', { oldPassword: 'a' }), 'the sealed secret has no newPassword');
  t.is(secretShapeProblem('getContactInfo', {}), null);
});
