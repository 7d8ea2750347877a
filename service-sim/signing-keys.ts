import { createPublicKey, type KeyObject } from 'node:crypto';
import { rawPublicKey, type ServiceKey } from '../protocol/index.js';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Raw 32-byte public key, base64url: the form it travels in. */
  publicKeyRaw: string;
}

/** The service's Ed25519 signing keys by kid, one of them active (SPEC.md section 3; rotation). */
export class SigningKeys {
  readonly #keys = new Map<string, SigningKey>();
  #activeKid: string | null = null;

  /** Adds a key; the first key added becomes active. */
  add(kid: string, privateKey: KeyObject): SigningKey {
    if (this.#keys.has(kid)) throw new Error(`signing key ${JSON.stringify(kid)} exists already`);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('a service signing key must be Ed25519');
    const publicKey = createPublicKey(privateKey);
    const key = { kid, privateKey, publicKey, publicKeyRaw: rawPublicKey(publicKey) };
    this.#keys.set(kid, key);
    this.#activeKid ??= kid;
    return key;
  }

  /** Makes `kid` the key new commands are signed with. */
  use(kid: string): void {
    if (!this.#keys.has(kid)) throw new Error(`no signing key ${JSON.stringify(kid)}`);
    this.#activeKid = kid;
  }

  /** Forgets a key (it is no longer announced to newly registering agents); not the active one. */
  remove(kid: string): void {
    if (kid === this.#activeKid) throw new Error('the active signing key cannot be removed');
    this.#keys.delete(kid);
  }

  get(kid: string): SigningKey | undefined {
    return this.#keys.get(kid);
  }

  get active(): SigningKey {
    const key = this.#activeKid === null ? undefined : this.#keys.get(this.#activeKid);
    if (key === undefined) throw new Error('the service has no signing key');
    return key;
  }

  /** The `serviceKeys` of a `registered` message. */
  list(): ServiceKey[] {
    return [...this.#keys.values()].map((key) => ({ kid: key.kid, publicKey: key.publicKeyRaw }));
  }
}
