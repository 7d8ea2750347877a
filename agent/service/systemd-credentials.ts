import { posix } from 'node:path';
import type { AgentConfig } from '../config/agent-config.js';
import { SetupError } from '../errors.js';
import { ServiceDefaults } from './service-defaults.js';
import type { UnitCredential } from './systemd-unit.js';

/** systemd accepts credential names that are file names; the agent keeps to the safe subset. */
const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The directory systemd puts a unit's credentials in (its `$CREDENTIALS_DIRECTORY`). */
export function credentialsDirectory(unitName: string): string {
  return posix.join(ServiceDefaults.credentialsRuntimeDir, `${unitName}.service`);
}

/**
 * The LoadCredential[Encrypted]= lines the config asks for, and what the admin must provide for
 * every other kind of bind password. A `{ "file": "/run/credentials/<unit>.service/NAME" }`
 * reference becomes a credential NAME loaded from /etc/credstore/NAME (or the encrypted store).
 */
export function unitCredentials(config: AgentConfig, options: { unitName: string; user: string; encrypted: boolean }): { credentials: UnitCredential[]; notes: string[] } {
  const runtimeDir = credentialsDirectory(options.unitName);
  const credentials = new Map<string, UnitCredential>();
  const notes: string[] = [];
  config.directories.forEach((directory, index) => {
    const ref = directory.bindPassword;
    const key = `directories[${index}].bindPassword (${directory.id})`;
    if ('file' in ref) {
      if (posix.dirname(ref.file) === runtimeDir) {
        const name = posix.basename(ref.file);
        if (!CREDENTIAL_NAME.test(name)) throw new SetupError('CONFIG', `${key}: credential name ${JSON.stringify(name)} must be letters, digits, ".", "_" and "-"`);
        const source = options.encrypted ? posix.join(ServiceDefaults.encryptedCredentialStore, name) : posix.join(ServiceDefaults.credentialStore, name);
        credentials.set(name, { name, source, encrypted: options.encrypted });
        notes.push(
          options.encrypted
            ? `${key}: create ${source} with: systemd-creds encrypt --name=${name} - ${source} (type the password, then Ctrl-D)`
            : `${key}: put the password in ${source} (owner root, mode 0600); systemd hands a copy to the service only`,
        );
      } else if (ref.file.startsWith(`${ServiceDefaults.credentialsRuntimeDir}/`)) {
        notes.push(`${key}: ${ref.file} is in another unit's credentials directory; this unit's is ${runtimeDir}`);
      } else {
        notes.push(
          `${key}: the agent reads ${ref.file} itself: make it readable by ${options.user} only (chown ${options.user} and chmod 0400), and not under /home or /root (ProtectHome=yes hides them)`,
        );
      }
    } else if ('env' in ref) {
      notes.push(`${key}: set ${ref.env}=... in ${ServiceDefaults.environmentFile} (owner root, mode 0600); systemd reads it before dropping privileges`);
    } else {
      notes.push(`${key}: read from the ${config.secretStore} secret store under the name ${ref.secret}; store it there as ${options.user}`);
    }
  });
  return { credentials: [...credentials.values()], notes };
}
