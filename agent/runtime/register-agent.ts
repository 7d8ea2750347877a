import { hostname } from 'node:os';
import type { AgentConfig } from '../config/agent-config.js';
import { registerWithService } from '../connection/register.js';
import { openSecretStore } from '../secrets/open-secret-store.js';
import { RegistrationState, type Registration } from '../state/registration-state.js';
import { generateAgentKeys, storeAgentKeys } from './agent-keys.js';
import { AGENT_VERSION } from './version.js';

/**
 * SPEC.md section 4 end to end: new key pairs, `register` with the one-time token, then the private
 * keys into the secret store and agentId, tenantId and service keys into the state directory.
 */
export async function registerAgent(config: AgentConfig, options: { token: string; url?: string; name?: string }): Promise<Registration> {
  const url = options.url ?? config.service.url;
  // Open both stores first: a registration the agent cannot keep must not consume the token.
  const store = await openSecretStore(config.secretStore, { stateDir: config.stateDir });
  const state = await RegistrationState.open(config.stateDir);
  const keys = generateAgentKeys();
  const registered = await registerWithService(
    { url, allowInsecure: config.service.allowInsecure, caFile: config.service.caFile, proxy: config.service.proxy },
    {
      token: options.token,
      agentName: options.name ?? hostname(),
      hostname: hostname(),
      agentVersion: AGENT_VERSION,
      signingKey: keys.signing.publicKeyRaw,
      encryptionKey: keys.encryption.publicKeyRaw,
    },
  );
  await storeAgentKeys(store, keys);
  const registration: Registration = {
    agentId: registered.agentId,
    tenantId: registered.tenantId,
    serviceKeys: registered.serviceKeys,
    registeredAt: new Date().toISOString(),
    serviceUrl: url,
  };
  state.save(registration);
  return registration;
}
