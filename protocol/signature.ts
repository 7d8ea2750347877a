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

/** A trusted service key; `notBefore`/`notAfter` (wire times) bound when it verifies (v2 key rotation). */
export interface TrustedKeyEntry {
  kid: string;
  publicKey: string;
  notBefore?: string;
  notAfter?: string;
}

interface Trusted {
  entry: TrustedKeyEntry;
  key: KeyObject;
  from: number;
  until: number;
}

/**
 * The service keys an agent trusts, looked up by `kid` (SPEC.md section 3). A key outside its
 * validity window is treated as unknown. `replace` swaps the whole set at once (key rotation), so
 * a holder of this object sees the new set without being rebuilt.
 */
export class TrustedKeys {
  #keys = new Map<string, Trusted>();
  readonly #now: () => Date;

  constructor(keys: Iterable<TrustedKeyEntry> = [], now: () => Date = () => new Date()) {
    this.#now = now;
    for (const key of keys) this.#keys.set(key.kid, trusted(key));
  }

  /** Adds a raw Ed25519 public key under `kid`; throws when the key is not one. */
  add(kid: string, publicKeyRaw: string): void {
    this.#keys.set(kid, trusted({ kid, publicKey: publicKeyRaw }));
  }

  /** Trusts exactly `keys` from now on; throws (leaving the set as it was) when one is not a key. */
  replace(keys: Iterable<TrustedKeyEntry>): void {
    const next = new Map<string, Trusted>();
    for (const key of keys) next.set(key.kid, trusted(key));
    this.#keys = next;
  }

  /** The key named `kid` if it is trusted and inside its validity window now. */
  get(kid: string): KeyObject | undefined {
    const found = this.#keys.get(kid);
    if (found === undefined) return undefined;
    const now = this.#now().getTime();
    return now < found.from || now > found.until ? undefined : found.key;
  }

  /** Every trusted entry, whatever its window (copies). */
  entries(): TrustedKeyEntry[] {
    return [...this.#keys.values()].map((value) => ({ ...value.entry }));
  }

  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Verifies `signature` over JCS(value) with the key named `kid`; false for an unknown kid. */
  verify(value: unknown, kid: string, signature: string): boolean {
    const key = this.get(kid);
    return key !== undefined && verifyCanonical(value, signature, key);
  }
}

function trusted(entry: TrustedKeyEntry): Trusted {
  const key = publicKeyFromRaw(entry.publicKey, 'Ed25519');
  if (key === null) throw new Error(`trusted key ${JSON.stringify(entry.kid)} is not a raw Ed25519 public key`);
  const from = entry.notBefore === undefined ? Number.NEGATIVE_INFINITY : Date.parse(entry.notBefore);
  const until = entry.notAfter === undefined ? Number.POSITIVE_INFINITY : Date.parse(entry.notAfter);
  if (Number.isNaN(from) || Number.isNaN(until)) throw new Error(`trusted key ${JSON.stringify(entry.kid)} has an invalid validity window`);
  return { entry: { ...entry }, key, from, until };
}
