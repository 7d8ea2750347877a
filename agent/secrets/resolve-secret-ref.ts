import { readFile } from 'node:fs/promises';
import { CREDENTIALS_DIRECTORY_PREFIX, type SecretRef } from '../config/agent-config.js';
import { ConfigError } from '../config/config-error.js';
import type { SecretStore } from './secret-store.js';

/**
 * Resolves `{ env }`, `{ file }` or `{ secret }` to the secret's value. `path` is the config key
 * path for messages (e.g. `directories[0].bindPassword`). Errors name the variable, file or secret,
 * never the value.
 */
export async function resolveSecretRef(ref: SecretRef, secretStore: SecretStore | null, options: { path?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const path = options.path ?? 'bindPassword';
  if ('env' in ref) {
    const value = (options.env ?? process.env)[ref.env];
    if (value === undefined || value === '') {
      throw new ConfigError(path, `environment variable ${ref.env} is not set`, `set ${ref.env} in the agent's environment (e.g. an EnvironmentFile= of the systemd unit)`);
    }
    return value;
  }
  if ('file' in ref) {
    const file = expandCredentialsDirectory(ref.file, options.env ?? process.env, path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(path, `cannot read ${file} (${code})`, "create the file with the password and make it readable by the agent's account only (chmod 600)", { cause: error });
    }
    // Editors add a final newline; a password never ends with one.
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new ConfigError(path, `${file} is empty`, 'write the password into the file');
    return value;
  }
  if (secretStore === null) {
    throw new ConfigError(path, `refers to the secret ${JSON.stringify(ref.secret)} but no secret store is open`, 'open the secret store before resolving (a bug if seen by an admin)');
  }
  const value = await secretStore.get(ref.secret);
  if (value === null || value === '') {
    throw new ConfigError(
      path,
      `the secret ${JSON.stringify(ref.secret)} is not in the ${secretStore.kind} secret store`,
      `store it, as the agent's account, with: writeback-agent secret set ${ref.secret} --config FILE (or use { "env": NAME } or { "file": PATH })`,
    );
  }
  return value;
}

/**
 * systemd's LoadCredential= puts secrets in $CREDENTIALS_DIRECTORY, whose path depends on the unit:
 * a `file` reference may start with `${CREDENTIALS_DIRECTORY}`, expanded when the secret is read.
 */
export function expandCredentialsDirectory(file: string, env: NodeJS.ProcessEnv, path: string): string {
  if (!file.startsWith(CREDENTIALS_DIRECTORY_PREFIX)) return file;
  const dir = env['CREDENTIALS_DIRECTORY'];
  if (dir === undefined || dir === '') {
    throw new ConfigError(path, 'uses ${CREDENTIALS_DIRECTORY} but it is not set', 'run the agent under systemd with LoadCredential=, or give an absolute path');
  }
  return dir + file.slice(CREDENTIALS_DIRECTORY_PREFIX.length);
}
