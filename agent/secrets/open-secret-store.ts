import type { LinuxStore } from '@napi-rs/keyring';
import { FileSecretStore } from './file-secret-store.js';
import type { SecretStore } from './secret-store.js';

/** Keychain service name for an installation: one per state directory, so two agents on a host do not share keys. */
export function keychainServiceName(stateDir: string): string {
  return `writeback-agent:${stateDir}`;
}

/**
 * Opens the store the config's `secretStore` names. The keychain is probed; on a headless Linux
 * server that fails with a ConfigError telling the admin to set `"secretStore": "file"`. `readOnly`
 * (file store) creates nothing: no state directory, no secrets file.
 */
export async function openSecretStore(kind: 'keychain' | 'file', options: { stateDir: string; linuxStore?: LinuxStore; readOnly?: boolean }): Promise<SecretStore> {
  if (kind === 'file') return options.readOnly === true ? FileSecretStore.openReadOnly(options.stateDir) : FileSecretStore.open(options.stateDir);
  // Loaded only when used: the native keyring module takes memory an agent on the file store never needs.
  const { KeychainSecretStore } = await import('./keychain-secret-store.js');
  return KeychainSecretStore.open({
    service: keychainServiceName(options.stateDir),
    ...(options.linuxStore === undefined ? {} : { linuxStore: options.linuxStore }),
  });
}
