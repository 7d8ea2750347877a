import { MAX_COMMAND_LIFETIME_MS, OPERATIONS, TARGET_KINDS, type CommandTarget, type Operation } from '../../protocol/index.js';
import { ServiceError } from '../errors.js';

/** What an operator asks for (CLI or admin API), checked before anything is stored or sealed. */
export interface CommandRequest {
  op: Operation;
  target?: CommandTarget;
  params: Record<string, unknown>;
  directory?: string;
  /** `{newPassword}` or `{oldPassword, newPassword}`: sealed at once, never stored in plain. */
  secret?: Record<string, string>;
  ttlMs?: number;
}

/** The secret members each op needs (SPEC.md section 6). */
const SECRET_MEMBERS: Readonly<Record<Operation, readonly string[]>> = {
  resetPassword: ['newPassword'],
  changePassword: ['oldPassword', 'newPassword'],
  unlockAccount: [],
  getAccountState: [],
  checkPermissions: [],
};

const MAX_PASSWORD_CHARS = 256;

function usage(message: string): ServiceError {
  return new ServiceError('USAGE', message);
}

/** Validates an untrusted request body (admin API) or the CLI's flags into a CommandRequest. */
export function parseCommandRequest(body: unknown): CommandRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw usage('the request must be a JSON object with op, target, params');
  const raw = body as Record<string, unknown>;
  const op = raw['op'];
  if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) throw usage(`op must be one of ${OPERATIONS.join(', ')}`);
  const request: CommandRequest = { op: op as Operation, params: {} };
  const target = raw['target'];
  if (target !== undefined && target !== null) {
    if (typeof target !== 'object' || Array.isArray(target)) throw usage('target must be {"by": KIND, "value": TEXT}');
    const { by, value } = target as Record<string, unknown>;
    if (typeof by !== 'string' || !(TARGET_KINDS as readonly string[]).includes(by)) throw usage(`target.by must be one of ${TARGET_KINDS.join(', ')}`);
    if (typeof value !== 'string' || value.length === 0 || value.length > 1024) throw usage('target.value must be 1 to 1024 characters');
    request.target = { by: by as CommandTarget['by'], value };
  } else if (op !== 'checkPermissions') throw usage(`${op} needs a target (--user ID)`);
  const params = raw['params'];
  if (params !== undefined) {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw usage('params must be an object');
    request.params = { ...(params as Record<string, unknown>) };
  }
  const directory = raw['directory'];
  if (directory !== undefined) {
    if (typeof directory !== 'string' || directory.length === 0 || directory.length > 128) throw usage('directory must be a directory id');
    request.directory = directory;
  }
  const ttlMs = raw['ttlMs'];
  if (ttlMs !== undefined) {
    if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs > MAX_COMMAND_LIFETIME_MS) throw usage(`ttlMs must be an integer from 1000 to ${MAX_COMMAND_LIFETIME_MS}`);
    request.ttlMs = ttlMs;
  }
  const needed = SECRET_MEMBERS[request.op];
  const secret = raw['secret'];
  if (needed.length === 0) {
    if (secret !== undefined) throw usage(`${op} takes no secret`);
  } else {
    if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) throw usage(`${op} needs secret: {${needed.join(', ')}}`);
    const given = secret as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const member of needed) {
      const value = given[member];
      // The message names the member, never its value.
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PASSWORD_CHARS) throw usage(`secret.${member} must be 1 to ${MAX_PASSWORD_CHARS} characters`);
      out[member] = value;
    }
    request.secret = out;
  }
  return request;
}
