import { randomUUID, type KeyObject } from 'node:crypto';
import { publicKeyFromRaw, type RegisterMessage, type ServiceKey } from '../../protocol/index.js';
import { announcedKeys } from '../keys/signing-keys.js';
import { insertAgent } from '../store/agents.js';
import { linkTokenToAgent, spendRegistrationToken } from '../store/registration-tokens.js';
import type { NodeContext } from './node-context.js';
import { WireError } from './wire-errors.js';

export type Registration = { ok: true; agentId: string; tenantId: string; serviceKeys: ServiceKey[] } | { ok: false; code: WireError; message: string };

/** The refusal of a `register` whose keys are not an Ed25519 and an X25519 public key (the token is not spent). */
export const INVALID_KEYS = { ok: false, code: WireError.INVALID_KEY, message: 'signingKey must be a raw Ed25519 key and encryptionKey a raw X25519 key' } as const;

/** The agent's two public keys from a `register`, or null when either is not a raw key of its kind. */
export function registerKeys(message: RegisterMessage): { signingKey: KeyObject; encryptionKey: KeyObject } | null {
  const signingKey = publicKeyFromRaw(message.signingKey, 'Ed25519');
  const encryptionKey = publicKeyFromRaw(message.encryptionKey, 'X25519');
  return signingKey === null || encryptionKey === null ? null : { signingKey, encryptionKey };
}

/**
 * SPEC.md section 4: the keys are checked first (a bad request does not burn the token), then the
 * token is spent (one-time, unexpired, attempt-limited per source), then the agent is stored with
 * the service keys it is given: the keys it trusts.
 */
export async function registerAgent(context: NodeContext, message: RegisterMessage, source: string): Promise<Registration> {
  if (registerKeys(message) === null) return INVALID_KEYS;
  const { db } = context.store;
  const now = context.now();
  const { registration } = context.config;
  const spent = await spendRegistrationToken(db, message.token, source, now, { maxFailures: registration.maxFailures, windowMs: registration.failureWindowMs });
  if (!spent.ok) {
    return {
      ok: false,
      code: WireError.INVALID_TOKEN,
      message:
        spent.reason === 'too many failed attempts'
          ? 'too many failed registration attempts from this address; wait and retry'
          : 'the registration token is unknown, used or expired; create a new one with `writeback-service token create`',
    };
  }
  const serviceKeys = await announcedKeys(db);
  const agentId = randomUUID();
  await insertAgent(
    db,
    { id: agentId, tenantId: spent.tenantId, name: message.agentName, hostname: message.hostname, version: message.agentVersion, signingKey: message.signingKey, encryptionKey: message.encryptionKey },
    serviceKeys.map((key) => key.kid),
    now,
  );
  await linkTokenToAgent(db, message.token, agentId);
  return { ok: true, agentId, tenantId: spent.tenantId, serviceKeys };
}
