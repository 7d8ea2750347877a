import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ServiceError } from '../errors.js';

/** Where a secret comes from: never a literal in the configuration (SERVICE-INTERFACE.md). */
export type SecretReference = { env: string } | { file: string };

export function isSecretReference(value: unknown): value is SecretReference {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const v = value as Record<string, unknown>;
  return (keys[0] === 'env' || keys[0] === 'file') && typeof v[keys[0]] === 'string' && v[keys[0]] !== '';
}

/**
 * Reads the secret a reference names; a file path is relative to the data directory. With
 * `privateFile` (a signing key: whoever reads it can sign commands), a file that group or others
 * may access is refused, as the agent refuses its own key files.
 */
export function readSecretReference(reference: SecretReference, dataDir: string, what: string, options: { privateFile?: boolean } = {}): string {
  if ('env' in reference) {
    const value = process.env[reference.env];
    if (value === undefined || value === '') throw new ServiceError('CONFIG', `${what}: environment variable ${reference.env} is not set; export it or change the reference`);
    return value;
  }
  const path = isAbsolute(reference.file) ? reference.file : join(dataDir, reference.file);
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new ServiceError('CONFIG', `${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions`, { cause: error });
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if (options.privateFile === true && process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new ServiceError('CONFIG', `${what}: ${path} is accessible to other accounts (mode 0${mode.toString(8)}); run: chmod 600 ${path}`);
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
