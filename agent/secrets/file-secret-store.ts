import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assertPrivateFile, ensurePrivateDir } from '../state/private-dir.js';
import { writeFileAtomic } from '../state/write-file-atomic.js';
import { assertSecretName, type SecretStore } from './secret-store.js';
import { SecretStoreError } from './secret-store-error.js';

export const SECRETS_FILE_NAME = 'secrets.json';

/**
 * Secrets in one JSON object file, `<stateDir>/secrets.json`, for servers without a keychain.
 * The file is mode 0600 in a 0700 directory and replaced atomically on every change; a file or
 * directory with looser permissions is refused. Writes are serialized within the process.
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  readonly path: string;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
  }

  /** Opens (creating when missing) the store under `stateDir`, checking permissions. */
  static async open(stateDir: string): Promise<FileSecretStore> {
    await ensurePrivateDir(stateDir);
    const store = new FileSecretStore(join(stateDir, SECRETS_FILE_NAME));
    if ((await store.#read()) === null) await writeFileAtomic(store.path, '{}\n', { mode: 0o600 });
    return store;
  }

  /**
   * Opens the store for reading only: nothing is created, so a command that just looks (such as
   * check-permissions) leaves a fresh machine as it found it. A missing file reads as empty.
   */
  static async openReadOnly(stateDir: string): Promise<FileSecretStore> {
    const info = await stat(stateDir).catch(() => null);
    if (info !== null) await ensurePrivateDir(stateDir);
    return new FileSecretStore(join(stateDir, SECRETS_FILE_NAME));
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    await this.#queue;
    const all = await this.#read();
    return all !== null && Object.hasOwn(all, name) ? all[name]! : null;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    if (typeof value !== 'string') throw new TypeError('a secret value must be a string');
    await this.#update((all) => {
      all[name] = value;
      return true;
    });
  }

  async delete(name: string): Promise<boolean> {
    assertSecretName(name);
    return this.#update((all) => {
      if (!Object.hasOwn(all, name)) return false;
      delete all[name];
      return true;
    });
  }

  async list(): Promise<string[]> {
    await this.#queue;
    return Object.keys((await this.#read()) ?? {}).sort();
  }

  /** Read-modify-write, one at a time; `change` returns whether anything changed. */
  #update(change: (all: Record<string, string>) => boolean): Promise<boolean> {
    const next = this.#queue.then(async () => {
      const all = (await this.#read()) ?? {};
      if (!change(all)) return false;
      await writeFileAtomic(this.path, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      return true;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The whole file, or null when it does not exist. Checks permissions on the open handle. */
  async #read(): Promise<Record<string, string> | null> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SecretStoreError(`cannot open ${this.path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check its owner and permissions`, { cause: error });
    }
    try {
      assertPrivateFile(this.path, await handle.stat());
      const text = await handle.readFile('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        // No cause and no snippet: the parse error would quote the file, i.e. the keys.
        throw new SecretStoreError(`${this.path} is not valid JSON; restore it from a backup or register the agent again`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
        throw new SecretStoreError(`${this.path} is not an object of string values; restore it from a backup or register the agent again`);
      }
      return parsed as Record<string, string>;
    } finally {
      await handle.close();
    }
  }
}
