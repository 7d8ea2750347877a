import { hostname } from 'node:os';
import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { registerWithService } from '../../connection/register.js';
import { SetupError } from '../../errors.js';
import { generateAgentKeys, storeAgentKeys } from '../../runtime/agent-keys.js';
import { AGENT_VERSION } from '../../runtime/version.js';
import { openSecretStore } from '../../secrets/open-secret-store.js';
import { RegistrationState } from '../../state/registration-state.js';
import { parseFlags } from '../args.js';

/** `register --config F --token T [--url U] [--name N]` (SPEC.md section 4). Prints the agentId. */
export async function registerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { config: { type: 'string' }, token: { type: 'string' }, url: { type: 'string' }, name: { type: 'string' } }, 'register');
  if (values.token === undefined || values.token === '') {
    throw new SetupError('CONFIG', 'register: --token is required: copy a one-time registration token from the reset service');
  }
  const config = await loadConfig(configPathFrom(values.config));
  const url = values.url ?? config.service.url;
  if (values.url !== undefined && !/^wss?:\/\//.test(url)) throw new SetupError('CONFIG', `register: --url must be a wss:// URL (got ${url})`);
  // Open both stores first: a registration the agent cannot keep must not consume the token.
  const store = await openSecretStore(config.secretStore, { stateDir: config.stateDir });
  const state = await RegistrationState.open(config.stateDir);
  const keys = generateAgentKeys();
  const registered = await registerWithService(
    { url, allowInsecure: config.service.allowInsecure, caFile: config.service.caFile, proxy: config.service.proxy },
    {
      token: values.token,
      agentName: values.name ?? hostname(),
      hostname: hostname(),
      agentVersion: AGENT_VERSION,
      signingKey: keys.signing.publicKeyRaw,
      encryptionKey: keys.encryption.publicKeyRaw,
    },
  );
  await storeAgentKeys(store, keys);
  state.save({
    agentId: registered.agentId,
    tenantId: registered.tenantId,
    serviceKeys: registered.serviceKeys,
    registeredAt: new Date().toISOString(),
    serviceUrl: url,
  });
  process.stdout.write(`${registered.agentId}\n`);
  return 0;
}
