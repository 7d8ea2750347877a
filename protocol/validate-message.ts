import { RESULT_CODES_LIST, RESULT_STATUSES_LIST } from './codes-lists.js';
import { FEATURE_NAME, MAX_FEATURES, MAX_FEATURE_NAME } from './features.js';
import { publicKeyFromRaw } from './keys.js';
import { AUDIT_HASH } from './audit-checkpoint.js';
import { DIRECTORY_NAME, MAX_REPORTED_DIRECTORIES } from './directories-report.js';
import type {
  AgentMessage,
  AnnouncedServiceKey,
  AuditCheckpoint,
  AuditCheckpointMessage,
  DirectoriesMessage,
  Result,
  ServiceKey,
  ServiceKeysAckMessage,
  ServiceKeysMessage,
  ServiceMessage,
} from './messages.js';
import { MAX_ANNOUNCED_KEYS } from './service-keys.js';
import { SchemaError, assertOnlyMembers, isJsonObject, readArray, readBase64Url, readEnum, readInteger, readObject, readString, readTime, type JsonObject } from './schema.js';
import { validateCommandMessage } from './validate-command.js';
import type { JsonValue } from './strict-json.js';
import { Subprotocol } from './versions.js';

/**
 * Validators for every message but the command object (validate-command.ts). They throw
 * SchemaError, caught by parse-frame.ts; null means "not a type this side receives".
 */

/**
 * On a version-1 session (`version` v1) a welcome's `features` is not part of the protocol and is
 * ignored unread, as any other member SPEC.md does not name.
 */
export function validateServiceMessage(raw: JsonObject, version: Subprotocol = Subprotocol.v2): ServiceMessage | null {
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
        ...(version === Subprotocol.v1 ? {} : readFeatures(raw)),
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
    case 'serviceKeys':
      return validateServiceKeys(raw);
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
        ...readFeatures(raw),
        signature: readBase64Url(raw, 'signature', '', 64),
      };
    case 'ack':
      return { type: 'ack', commandId: readString(raw, 'commandId', '', 64) };
    case 'result':
      return { type: 'result', result: validateResult(readObject(raw, 'result', '')), signature: readBase64Url(raw, 'signature', '', 64) };
    case 'serviceKeysAck':
      return validateServiceKeysAck(raw);
    case 'auditCheckpoint':
      return validateAuditCheckpoint(raw);
    case 'directories':
      return validateDirectories(raw);
    default:
      return null;
  }
}

/**
 * The optional `features` of hello and welcome (v2): at most MAX_FEATURES distinct names of
 * FEATURE_NAME's form. Unknown names are kept (and later ignored), so peers can add features.
 */
function readFeatures(raw: JsonObject): { features?: string[] } {
  if (raw['features'] === undefined) return {};
  const seen = new Set<string>();
  const features = readArray(raw, 'features', '', MAX_FEATURES).map((name, index) => {
    if (typeof name !== 'string' || name.length > MAX_FEATURE_NAME || !FEATURE_NAME.test(name)) {
      throw new SchemaError(`features[${index}] must be a feature name (a letter, then letters, digits, . _ -; at most ${MAX_FEATURE_NAME})`);
    }
    if (seen.has(name)) throw new SchemaError(`features[${index}] is listed twice`);
    seen.add(name);
    return name;
  });
  return { features };
}

const SERVICE_KEYS_MEMBERS = ['type', 'keys', 'issuedAt', 'kid', 'signature'] as const;
const ANNOUNCED_KEY_MEMBERS = ['kid', 'publicKey', 'notBefore', 'notAfter'] as const;
const SERVICE_KEYS_ACK_MEMBERS = ['type', 'agentId', 'issuedAt', 'kids', 'signature'] as const;

/** Strict: no other member, 1 to MAX_ANNOUNCED_KEYS distinct kids, each a real Ed25519 point, sane windows. */
function validateServiceKeys(raw: JsonObject): ServiceKeysMessage {
  assertOnlyMembers(raw, SERVICE_KEYS_MEMBERS, '');
  const items = readArray(raw, 'keys', '', MAX_ANNOUNCED_KEYS);
  if (items.length === 0) throw new SchemaError('keys must not be empty');
  const kids = new Set<string>();
  const keys = items.map((item, index) => {
    const key = announcedKey(item, index);
    if (kids.has(key.kid)) throw new SchemaError(`keys[${index}].kid is listed twice`);
    kids.add(key.kid);
    return key;
  });
  return {
    type: 'serviceKeys',
    keys,
    issuedAt: readTime(raw, 'issuedAt', ''),
    kid: readString(raw, 'kid', '', 256),
    signature: readBase64Url(raw, 'signature', '', 64),
  };
}

function announcedKey(value: JsonValue, index: number): AnnouncedServiceKey {
  const path = `keys[${index}].`;
  if (!isJsonObject(value)) throw new SchemaError(`keys[${index}] must be an object`);
  assertOnlyMembers(value, ANNOUNCED_KEY_MEMBERS, path);
  const key: AnnouncedServiceKey = { kid: readString(value, 'kid', path, 256), publicKey: readBase64Url(value, 'publicKey', path, 32) };
  if (publicKeyFromRaw(key.publicKey, 'Ed25519') === null) throw new SchemaError(`${path}publicKey is not an Ed25519 public key`);
  if (value['notBefore'] !== undefined) key.notBefore = readTime(value, 'notBefore', path);
  if (value['notAfter'] !== undefined) key.notAfter = readTime(value, 'notAfter', path);
  if (key.notBefore !== undefined && key.notAfter !== undefined && Date.parse(key.notAfter) <= Date.parse(key.notBefore)) {
    throw new SchemaError(`${path}notAfter must be after notBefore`);
  }
  return key;
}

function validateServiceKeysAck(raw: JsonObject): ServiceKeysAckMessage {
  assertOnlyMembers(raw, SERVICE_KEYS_ACK_MEMBERS, '');
  const kids = readArray(raw, 'kids', '', MAX_ANNOUNCED_KEYS).map((kid, index) => {
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw new SchemaError(`kids[${index}] must be a key id`);
    return kid;
  });
  if (kids.length === 0) throw new SchemaError('kids must not be empty');
  if (new Set(kids).size !== kids.length) throw new SchemaError('kids lists a key id twice');
  return {
    type: 'serviceKeysAck',
    agentId: readString(raw, 'agentId', '', 256),
    issuedAt: readTime(raw, 'issuedAt', ''),
    kids,
    signature: readBase64Url(raw, 'signature', '', 64),
  };
}

const AUDIT_CHECKPOINT_MEMBERS = ['type', 'agentId', 'checkpoint'] as const;
const CHECKPOINT_MEMBERS = ['v', 'lastHash', 'bytes', 'at', 'signature'] as const;

/** Strict like the other v2 messages: the checkpoint is signed, so no member may be dropped or added. */
function validateAuditCheckpoint(raw: JsonObject): AuditCheckpointMessage {
  assertOnlyMembers(raw, AUDIT_CHECKPOINT_MEMBERS, '');
  return { type: 'auditCheckpoint', agentId: readString(raw, 'agentId', '', 256), checkpoint: validateCheckpoint(readObject(raw, 'checkpoint', ''), 'checkpoint.') };
}

/**
 * A signed audit checkpoint (its signature not checked here), wherever it comes from: the message
 * above, or a copy the service held that an admin hands to `audit verify --checkpoint`.
 */
export function validateCheckpoint(value: JsonObject, path = ''): AuditCheckpoint {
  assertOnlyMembers(value, CHECKPOINT_MEMBERS, path);
  if (value['v'] !== 1) throw new SchemaError(`${path}v must be 1`);
  const lastHash = readString(value, 'lastHash', path, 64);
  if (!AUDIT_HASH.test(lastHash)) throw new SchemaError(`${path}lastHash must be 64 lower-case hex digits`);
  return {
    v: 1,
    lastHash,
    bytes: readInteger(value, 'bytes', path, 1, Number.MAX_SAFE_INTEGER),
    at: readTime(value, 'at', path),
    signature: readBase64Url(value, 'signature', path, 64),
  };
}

const DIRECTORIES_MEMBERS = ['type', 'agentId', 'directories', 'defaultDirectory', 'sentAt', 'signature'] as const;
const REPORTED_DIRECTORY_MEMBERS = ['id', 'kind'] as const;

/** Strict, as it is signed: 1 to 32 directories, ids distinct, the default one of them. */
function validateDirectories(raw: JsonObject): DirectoriesMessage {
  assertOnlyMembers(raw, DIRECTORIES_MEMBERS, '');
  const ids = new Set<string>();
  const directories = readArray(raw, 'directories', '', MAX_REPORTED_DIRECTORIES).map((value, index) => {
    const path = `directories[${index}].`;
    if (!isJsonObject(value)) throw new SchemaError(`directories[${index}] must be an object`);
    assertOnlyMembers(value, REPORTED_DIRECTORY_MEMBERS, path);
    const id = readDirectoryName(value, 'id', path);
    if (ids.has(id)) throw new SchemaError(`${path}id is listed twice`);
    ids.add(id);
    return { id, kind: readDirectoryName(value, 'kind', path) };
  });
  if (directories.length === 0) throw new SchemaError('directories must list at least one directory');
  const defaultDirectory = readDirectoryName(raw, 'defaultDirectory', '');
  if (!ids.has(defaultDirectory)) throw new SchemaError('defaultDirectory must be the id of a listed directory');
  return { type: 'directories', agentId: readString(raw, 'agentId', '', 256), directories, defaultDirectory, sentAt: readTime(raw, 'sentAt', ''), signature: readBase64Url(raw, 'signature', '', 64) };
}

function readDirectoryName(value: JsonObject, key: string, path: string): string {
  const name = readString(value, key, path, 64);
  if (!DIRECTORY_NAME.test(name)) throw new SchemaError(`${path}${key} must be letters, digits, . _ - (at most 64)`);
  return name;
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
