import { createHash, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import type { OkpCurve } from '../protocol/index.js';
import type { RandomSource } from './options.js';

export const cryptoRandom: RandomSource = { bytes: (length) => randomBytes(length) };

/**
 * A deterministic source (SHA-256 in counter mode over `seed`) so a test can replay the exact
 * bytes of a run. Not for anything but tests.
 */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return {
    bytes(length) {
      while (pool.length < length) {
        const block = createHash('sha256').update(seed).update(String(counter++)).digest();
        pool = Buffer.concat([pool, block]);
      }
      const out = pool.subarray(0, length);
      pool = pool.subarray(length);
      return Buffer.from(out);
    },
  };
}

/** An RFC 9562 version 4 UUID from the given source. */
export function uuidFrom(random: RandomSource): string {
  const b = random.bytes(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// PKCS#8 wrappers of a raw 32-byte OKP private key (RFC 8410), so keys can come from `random`.
const PKCS8_PREFIX = {
  Ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
  X25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
} as const;

/** An Ed25519 or X25519 private key whose 32-byte seed comes from `random`. */
export function privateKeyFrom(random: RandomSource, curve: OkpCurve): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX[curve], random.bytes(32)]), format: 'der', type: 'pkcs8' });
}
