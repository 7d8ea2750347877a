/**
 * Where the agent keeps its private keys (and optionally bind passwords referenced as
 * `{ "secret": NAME }`). Values are strings; callers encode binary keys (base64url or PEM).
 * Implementations never put a value into an error message or a log line.
 */
export interface SecretStore {
  readonly kind: 'keychain' | 'file';
  /** The value, or null when no secret has that name. */
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  /** True when a secret was deleted, false when there was none. */
  delete(name: string): Promise<boolean>;
  /** The names of the stored secrets, sorted (never the values). */
  list(): Promise<string[]>;
}

/** Fixed names of the agent's own secrets. */
export const SecretName = {
  /** Ed25519 private key that signs hello and result (SPEC.md section 3). */
  signingKey: 'agent-signing-key',
  /** X25519 private key the service seals passwords to. */
  encryptionKey: 'agent-encryption-key',
} as const;
export type SecretName = (typeof SecretName)[keyof typeof SecretName];

/** Whether `name` is one of the agent's own keys, which only `register` writes. */
export function isAgentKeyName(name: string): boolean {
  return (Object.values(SecretName) as string[]).includes(name);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Throws when `name` is not a usable secret name (letters, digits, `.`, `_`, `-`; up to 128). */
export function assertSecretName(name: string): void {
  if (!NAME.test(name)) throw new TypeError(`invalid secret name ${JSON.stringify(name.slice(0, 140))}: use letters, digits, ".", "_" and "-"`);
}
