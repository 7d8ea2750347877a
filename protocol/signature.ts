import { sign, verify, type KeyObject } from 'node:crypto';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { canonicalBytes } from './jcs.js';
import { publicKeyFromRaw } from './keys.js';

/** Ed25519 over the UTF-8 bytes of JCS(value) (SPEC.md section 2). */
export function signCanonical(value: unknown, privateKey: KeyObject): string {
  return toBase64Url(sign(null, canonicalBytes(value), privateKey));
}

/** False for any malformed signature or key; never throws. */
export function verifyCanonical(value: unknown, signature: string, publicKey: KeyObject): boolean {
  const bytes = fromBase64Url(signature, 64);
  if (bytes === null) return false;
  try {
    return verify(null, canonicalBytes(value), publicKey, bytes);
  } catch {
    return false;
  }
}

/** The service keys an agent trusts, looked up by `kid` (SPEC.md section 3). */
export class TrustedKeys {
  readonly #keys = new Map<string, KeyObject>();

  constructor(keys: Iterable<{ kid: string; publicKey: string }> = []) {
    for (const key of keys) this.add(key.kid, key.publicKey);
  }

  /** Adds a raw Ed25519 public key under `kid`; throws when the key is not one. */
  add(kid: string, publicKeyRaw: string): void {
    const key = publicKeyFromRaw(publicKeyRaw, 'Ed25519');
    if (key === null) throw new Error(`trusted key ${JSON.stringify(kid)} is not a raw Ed25519 public key`);
    this.#keys.set(kid, key);
  }

  get(kid: string): KeyObject | undefined {
    return this.#keys.get(kid);
  }

  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Verifies `signature` over JCS(value) with the key named `kid`; false for an unknown kid. */
  verify(value: unknown, kid: string, signature: string): boolean {
    const key = this.#keys.get(kid);
    return key !== undefined && verifyCanonical(value, signature, key);
  }
}
