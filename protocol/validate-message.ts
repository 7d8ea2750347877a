import { RESULT_CODES_LIST, RESULT_STATUSES_LIST } from './codes-lists.js';
import type { AgentMessage, Result, ServiceKey, ServiceMessage } from './messages.js';
import {
  SchemaError,
  isJsonObject,
  readArray,
  readBase64Url,
  readEnum,
  readInteger,
  readObject,
  readString,
  readTime,
  type JsonObject,
} from './schema.js';
import { validateCommandMessage } from './validate-command.js';

/**
 * Validators for every message but the command object (validate-command.ts). They throw
 * SchemaError, caught by parse-frame.ts; null means "not a type this side receives".
 */

export function validateServiceMessage(raw: JsonObject): ServiceMessage | null {
  switch (raw['type']) {
    case 'challenge':
      return { type: 'challenge', nonce: readBase64Url(raw, 'nonce', '', 32) };
    case 'registered':
      return {
        type: 'registered',
        agentId: readString(raw, 'agentId', '', 256),
        tenantId: readString(raw, 'tenantId', '', 256),
        serviceKeys: readArray(raw, 'serviceKeys', '', 64).map((key, index) => serviceKey(key, index)),
      };
    case 'error':
      return { type: 'error', code: readString(raw, 'code', '', 128), message: readMessageText(raw) };
    case 'welcome':
      return {
        type: 'welcome',
        sessionId: readString(raw, 'sessionId', '', 256),
        heartbeatIntervalMs: readInteger(raw, 'heartbeatIntervalMs', '', 1000, 3_600_000),
        serverTime: readTime(raw, 'serverTime', ''),
      };
    case 'command': {
      // Only the envelope's shape; the schema step of the pipeline judges the command itself so
      // that a malformed command with an id still gets its MALFORMED result.
      if (!isJsonObject(raw['command'])) throw new SchemaError('command must be an object');
      const validated = validateCommandMessage(raw);
      if (validated.ok) return validated.message;
      throw new SchemaError(validated.reason);
    }
    case 'resultAck':
      return { type: 'resultAck', commandId: readString(raw, 'commandId', '', 64) };
    default:
      return null;
  }
}

export function validateAgentMessage(raw: JsonObject): AgentMessage | null {
  switch (raw['type']) {
    case 'register':
      return {
        type: 'register',
        token: readString(raw, 'token', '', 512),
        agentName: readString(raw, 'agentName', '', 256),
        hostname: readString(raw, 'hostname', '', 256),
        agentVersion: readString(raw, 'agentVersion', '', 64),
        signingKey: readBase64Url(raw, 'signingKey', '', 32),
        encryptionKey: readBase64Url(raw, 'encryptionKey', '', 32),
      };
    case 'hello':
      return {
        type: 'hello',
        agentId: readString(raw, 'agentId', '', 256),
        tenantId: readString(raw, 'tenantId', '', 256),
        agentVersion: readString(raw, 'agentVersion', '', 64),
        capabilities: readArray(raw, 'capabilities', '', 32).map((cap, index) => {
          if (typeof cap !== 'string') throw new SchemaError(`capabilities[${index}] must be a string`);
          return cap;
        }),
        maxInFlight: readInteger(raw, 'maxInFlight', '', 1, 1024),
        nonce: readBase64Url(raw, 'nonce', '', 32),
        sentAt: readTime(raw, 'sentAt', ''),
        signature: readBase64Url(raw, 'signature', '', 64),
      };
    case 'ack':
      return { type: 'ack', commandId: readString(raw, 'commandId', '', 64) };
    case 'result':
      return { type: 'result', result: validateResult(readObject(raw, 'result', '')), signature: readBase64Url(raw, 'signature', '', 64) };
    default:
      return null;
  }
}

function serviceKey(value: unknown, index: number): ServiceKey {
  if (!isJsonObject(value)) throw new SchemaError(`serviceKeys[${index}] must be an object`);
  return { kid: readString(value, 'kid', `serviceKeys[${index}].`, 256), publicKey: readBase64Url(value, 'publicKey', `serviceKeys[${index}].`, 32) };
}

function readMessageText(raw: JsonObject): string {
  const value = raw['message'];
  if (typeof value !== 'string') throw new SchemaError('message must be a string');
  return value.slice(0, 4096);
}

export function validateResult(r: JsonObject): Result {
  const path = 'result.';
  const message = r['message'];
  if (typeof message !== 'string') throw new SchemaError('result.message must be a string');
  return {
    commandId: readString(r, 'commandId', path, 64),
    agentId: readString(r, 'agentId', path, 256),
    status: readEnum(r, 'status', path, RESULT_STATUSES_LIST),
    code: readEnum(r, 'code', path, RESULT_CODES_LIST),
    message,
    details: readObject(r, 'details', path),
    completedAt: readTime(r, 'completedAt', path),
  };
}
