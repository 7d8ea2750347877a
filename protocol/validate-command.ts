import { OPERATIONS, TARGET_KINDS, type Operation } from './codes.js';
import type { Command, CommandMessage, CommandTarget, ResetPasswordParams } from './messages.js';
import { MAX_COMMAND_LIFETIME_MS } from './messages.js';
import { isPortalOperation, opNeedsSecret, validatePortalParams, type PortalOperation } from './portal-operations.js';
import type { SealedSecret } from './sealed-secret.js';
import { SchemaError, UUID, isJsonObject, readBase64Url, readEnum, readObject, readOptionalBoolean, readOptionalString, readString, readTime, type JsonObject } from './schema.js';
import type { JsonValue } from './strict-json.js';

export type CommandValidation =
  | { ok: true; message: CommandMessage }
  /** `commandId` is null when the frame has no string `command.id`: such a frame gets no result. */
  | { ok: false; commandId: string | null; reason: string };

const MAX_TARGET_VALUE = 1024;
const RESET_FLAGS = ['forceChangeAtNextLogon', 'unlock', 'enforceMinimumAge', 'enforceHistory'] as const;

/** The command id if the frame has one (SPEC.md section 6: without it, no result at all). */
export function commandIdOf(frame: JsonObject): string | null {
  const command = frame['command'];
  if (!isJsonObject(command)) return null;
  const id = command['id'];
  return typeof id === 'string' ? id : null;
}

/** Step 1 of the pipeline: the schema of a `command` message [MALFORMED]. Never throws. */
export function validateCommandMessage(frame: JsonObject): CommandValidation {
  const commandId = commandIdOf(frame);
  try {
    const command = validateCommand(readObject(frame, 'command', ''));
    const kid = readString(frame, 'kid', '', 256);
    const signature = readString(frame, 'signature', '', 256);
    return { ok: true, message: { type: 'command', command, kid, signature } };
  } catch (error) {
    const reason = error instanceof SchemaError ? error.message : 'invalid command';
    return { ok: false, commandId, reason };
  }
}

function validateCommand(c: JsonObject): Command {
  const path = 'command.';
  const id = readString(c, 'id', path, 64);
  if (!UUID.test(id)) throw new SchemaError('command.id must be a UUID');
  const op = readString(c, 'op', path, 64);
  const command: Command = {
    id,
    tenantId: readString(c, 'tenantId', path, 256),
    agentId: readString(c, 'agentId', path, 256),
    op,
    params: readObject(c, 'params', path),
    issuedAt: readTime(c, 'issuedAt', path),
    expiresAt: readTime(c, 'expiresAt', path),
  };
  const directory = readOptionalString(c, 'directory', path, 256);
  if (directory !== undefined) command.directory = directory;

  if (c['target'] !== undefined) command.target = validateTarget(readObject(c, 'target', path));
  else if (op !== 'checkPermissions') throw new SchemaError('command.target is required for this op');

  if (c['secret'] !== undefined) command.secret = validateSealed(readObject(c, 'secret', path));
  else if (opNeedsSecret(op)) throw new SchemaError(`command.secret is required for ${op}`);

  if (op === 'resetPassword') {
    for (const flag of RESET_FLAGS) readOptionalBoolean(command.params as JsonObject, flag, 'command.params.');
  }
  validatePortalParams(op, command.params as JsonObject);
  const lifetime = Date.parse(command.expiresAt) - Date.parse(command.issuedAt);
  if (lifetime < 0) throw new SchemaError('command.expiresAt is before command.issuedAt');
  if (lifetime > MAX_COMMAND_LIFETIME_MS) throw new SchemaError('command.expiresAt is more than 15 minutes after command.issuedAt');
  return command;
}

function validateTarget(t: JsonObject): CommandTarget {
  const by = readEnum(t, 'by', 'command.target.', TARGET_KINDS);
  const value = readString(t, 'value', 'command.target.', MAX_TARGET_VALUE);
  return { by, value };
}

function validateSealed(s: JsonObject): SealedSecret {
  const path = 'command.secret.';
  return {
    alg: readString(s, 'alg', path, 128),
    epk: readBase64Url(s, 'epk', path),
    iv: readBase64Url(s, 'iv', path),
    ct: readBase64Url(s, 'ct', path),
  };
}

/** SPEC.md's ops and the portal additions (protocol/portal-operations.ts). */
export function isKnownOperation(op: string): op is Operation | PortalOperation {
  return (OPERATIONS as readonly string[]).includes(op) || isPortalOperation(op);
}

/** resetPassword params with SPEC.md's defaults; call after validation. */
export function resetParams(params: Record<string, unknown>): ResetPasswordParams {
  const flag = (name: string, fallback: boolean): boolean => {
    const value: unknown = params[name];
    return typeof value === 'boolean' ? value : fallback;
  };
  return {
    forceChangeAtNextLogon: flag('forceChangeAtNextLogon', false),
    unlock: flag('unlock', true),
    enforceMinimumAge: flag('enforceMinimumAge', true),
    enforceHistory: flag('enforceHistory', true),
  };
}

/** Step "time window" [EXPIRED]: after expiresAt + skew, or issued more than skew in the future. */
export function checkTimeWindow(command: Command, now: Date, skewMs: number): string | null {
  const t = now.getTime();
  if (t > Date.parse(command.expiresAt) + skewMs) return 'the command expired';
  if (Date.parse(command.issuedAt) > t + skewMs) return 'the command was issued in the future (check the clocks)';
  return null;
}

export type { JsonValue };
