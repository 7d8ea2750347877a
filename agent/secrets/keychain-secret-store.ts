import { randomBytes } from 'node:crypto';
import { Entry, findCredentials, type EntryOptions, type LinuxStore } from '@napi-rs/keyring';
import { ConfigError } from '../config/config-error.js';
import { assertSecretName, type SecretStore } from './secret-store.js';
import { SecretStoreError } from './secret-store-error.js';

const PROBE_NAME = 'writeback-agent-probe';

export interface KeychainOptions {
  /** Keychain service the entries are filed under; one per agent installation. */
  service: string;
  /**
   * Linux store to require. Default `secret-service`: the library would otherwise fall back to the
   * kernel keyring, which loses everything at reboot, so the agent would forget its keys.
   */
  linuxStore?: LinuxStore;
}

/** The operating system's secret store (macOS Keychain, Windows Credential Manager, Secret Service). */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  readonly #service: string;
  readonly #entryOptions: EntryOptions;

  private constructor(options: KeychainOptions) {
    this.#service = options.service;
    this.#entryOptions = { linux: { store: options.linuxStore ?? 'secret-service' } };
  }

  /**
   * Opens the keychain and proves it works with a write-read-delete round trip, so a headless
   * server fails at start-up with one line saying to use the file store, not at the first command.
   */
  static open(options: KeychainOptions): Promise<KeychainSecretStore> {
    const store = new KeychainSecretStore(options);
    const probe = randomBytes(8).toString('hex');
    try {
      const entry = store.#entry(PROBE_NAME);
      entry.setPassword(probe);
      const readBack = entry.getPassword();
      entry.deletePassword();
      if (readBack !== probe) throw new Error('the keychain did not return what was written');
    } catch (error) {
      return Promise.reject(
        new ConfigError(
          'secretStore',
          'the operating system keychain is not usable on this machine (on Linux it needs a Secret Service on D-Bus, which headless servers lack)',
          'set "secretStore": "file" in the config to keep the agent\'s keys in a file under stateDir readable by the agent alone',
          { cause: error },
        ),
      );
    }
    return Promise.resolve(store);
  }

  get(name: string): Promise<string | null> {
    return this.#run('read', name, (entry) => entry.getPassword());
  }

  set(name: string, value: string): Promise<void> {
    return this.#run('write', name, (entry) => entry.setPassword(value));
  }

  delete(name: string): Promise<boolean> {
    return this.#run('delete', name, (entry) => entry.deletePassword());
  }

  list(): Promise<string[]> {
    try {
      // The probe's entry is deleted right after it is written, but a crash in between could leave it.
      return Promise.resolve(
        findCredentials(this.#service)
          .map((c) => c.account)
          .filter((name) => name !== PROBE_NAME)
          .sort(),
      );
    } catch (error) {
      return Promise.reject(new SecretStoreError('cannot list the secrets in the keychain (is it locked?)', { cause: error }));
    }
  }

  /**
   * The synchronous Entry on purpose: AsyncEntry runs on a worker thread, and there the Linux
   * kernel keyring answers AccessDenied (the keyring belongs to the main thread's session).
   * Keychain calls happen at start-up and registration only, so blocking briefly is harmless.
   */
  #entry(name: string): Entry {
    return new Entry(this.#service, name, this.#entryOptions);
  }

  #run<T>(what: string, name: string, action: (entry: Entry) => T): Promise<T> {
    try {
      assertSecretName(name);
      return Promise.resolve(action(this.#entry(name)));
    } catch (error) {
      if (error instanceof TypeError) return Promise.reject(error);
      return Promise.reject(new SecretStoreError(`cannot ${what} the secret ${name} in the keychain (is it locked?)`, { cause: error }));
    }
  }
}
