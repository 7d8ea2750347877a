import { formatTime, type RegisterMessage } from '../protocol/index.js';
import { INVALID_KEYS, registerKeys } from '../service/gateway/registration.js';
import type { AgentRegistry, RegisteredAgent } from './agent-registry.js';
import { ServiceErrorCode } from './error-codes.js';
import type { RegistrationTokens } from './registration-tokens.js';

export type RegistrationOutcome = { ok: true; agent: RegisteredAgent } | { ok: false; code: ServiceErrorCode; message: string };

/** SPEC.md section 4: consume the one-time token and store the agent with its two public keys. */
export function registerAgent(message: RegisterMessage, context: { tokens: RegistrationTokens; registry: AgentRegistry; newAgentId: () => string; now: Date }): RegistrationOutcome {
  // Keys are checked before the token is consumed, so a broken agent can retry with the same token.
  const keys = registerKeys(message);
  if (keys === null) return INVALID_KEYS;
  const tenantId = context.tokens.consume(message.token);
  if (tenantId === null) return { ok: false, code: ServiceErrorCode.INVALID_TOKEN, message: 'the registration token is unknown or was used already' };
  const agent: RegisteredAgent = {
    agentId: context.newAgentId(),
    tenantId,
    agentName: message.agentName,
    hostname: message.hostname,
    agentVersion: message.agentVersion,
    signingKey: keys.signingKey,
    encryptionKey: keys.encryptionKey,
    signingKeyRaw: message.signingKey,
    encryptionKeyRaw: message.encryptionKey,
    registeredAt: formatTime(context.now),
  };
  context.registry.add(agent);
  return { ok: true, agent };
}
