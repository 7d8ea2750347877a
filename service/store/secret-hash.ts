import { createHash, randomBytes } from 'node:crypto';

/**
 * Registration and admin tokens: 32 random bytes, shown once. Only their SHA-256 is stored; with
 * 256 bits of entropy a fast hash is enough (nothing to guess from, unlike a password).
 */
export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
