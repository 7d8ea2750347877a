import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSecretReference, type SecretReference } from '../config/secret-reference.js';
import { ServiceError } from '../errors.js';

export const PORTAL_KEY_FILE = 'portal.key';

/**
 * The portal's own key. One-time codes have few digits, so a plain hash in the database could be
 * reversed by trying them all; an HMAC under this key cannot without the key. Authenticator
 * secrets must be read back, so they are sealed with AES-256-GCM under a key derived from it.
 */
export class PortalKey {
  readonly #mac: Buffer;
  readonly #seal: Buffer;

  constructor(material: Buffer) {
    if (material.length < 32) throw new ServiceError('CONFIG', 'portal.secretKey must hold at least 32 random bytes, base64url-encoded (see docs/portal.md)');
    this.#mac = createHmac('sha256', material).update('portal code mac').digest();
    this.#seal = createHmac('sha256', material).update('portal secret seal').digest();
  }

  /** From `portal.secretKey`, or `portal.key` in the data directory (created, mode 0600, when missing). */
  static load(reference: SecretReference | null, dataDir: string): PortalKey {
    if (reference !== null) return new PortalKey(Buffer.from(readSecretReference(reference, dataDir, 'portal.secretKey').trim(), 'base64url'));
    const file = join(dataDir, PORTAL_KEY_FILE);
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    return new PortalKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'));
  }

  /** Keyed hash of a code or token, bound to what it is for (`context`). */
  mac(context: string, value: string): string {
    return createHmac('sha256', this.#mac).update(context).update('\0').update(value).digest('base64url');
  }

  /** Constant-time comparison of `value` against a stored mac. */
  matches(context: string, value: string, stored: string): boolean {
    const a = Buffer.from(this.mac(context, value));
    const b = Buffer.from(stored);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#seal, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  /** The sealed text's plain form, or null when it was not sealed under this key. */
  open(sealed: string): string | null {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    if (iv === undefined || tag === undefined || body === undefined) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#seal, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
