import { hash, randomBytes } from 'node:crypto';

/**
 * Registration and admin tokens: 32 random bytes, shown once. Only their SHA-256 is stored; with
 * 256 bits of entropy a fast hash is enough (nothing to guess from, unlike a password).
 */
export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** One-shot `hash`: the admin API hashes a token per request, and a Hash object per call cost more than the digest. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}
