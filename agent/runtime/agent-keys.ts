import { generateKeyPair, keyPairFromJwk, type KeyPair, type OkpPrivateJwk } from '../../protocol/index.js';
import { SetupError } from '../errors.js';
import { SecretName, type SecretStore } from '../secrets/secret-store.js';

export interface AgentKeys {
  signing: KeyPair;
  encryption: KeyPair;
}

export interface NewAgentKeys {
  signing: { jwk: OkpPrivateJwk; publicKeyRaw: string };
  encryption: { jwk: OkpPrivateJwk; publicKeyRaw: string };
}

/** Creates the agent's Ed25519 signing and X25519 encryption key pairs, in memory only. */
export function generateAgentKeys(): NewAgentKeys {
  return { signing: generateKeyPair('Ed25519'), encryption: generateKeyPair('X25519') };
}

/** Stores the private halves (after the service accepted the registration). */
export async function storeAgentKeys(store: SecretStore, keys: NewAgentKeys): Promise<void> {
  await store.set(SecretName.signingKey, JSON.stringify(keys.signing.jwk));
  await store.set(SecretName.encryptionKey, JSON.stringify(keys.encryption.jwk));
}

/** Loads both key pairs from the secret store; a clear error when the agent is not registered. */
export async function loadAgentKeys(store: SecretStore): Promise<AgentKeys> {
  return { signing: await load(store, SecretName.signingKey, 'Ed25519'), encryption: await load(store, SecretName.encryptionKey, 'X25519') };
}

async function load(store: SecretStore, name: string, curve: OkpPrivateJwk['crv']): Promise<KeyPair> {
  const text = await store.get(name);
  if (text === null) {
    throw new SetupError(
      'NOT_REGISTERED',
      `the ${store.kind} secret store has no ${name}: run \`writeback-agent register --config FILE --token TOKEN\` first (with the same secretStore and stateDir)`,
    );
  }
  try {
    const jwk = JSON.parse(text) as OkpPrivateJwk;
    if (jwk.kty !== 'OKP' || jwk.crv !== curve || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error('shape');
    return keyPairFromJwk(jwk);
  } catch {
    throw new SetupError('SECRET_STORE', `the secret ${name} in the ${store.kind} secret store is not a ${curve} private key: register the agent again`);
  }
}
