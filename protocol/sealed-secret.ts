import { createCipheriv, createDecipheriv, createSecretKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { publicKeyFromBytes, rawPublicKeyBytes } from './keys.js';

/** SPEC.md section 6: the one sealing algorithm of protocol v1. */
export const SEAL_ALG = 'X25519-HKDF-SHA256-A256GCM';
const HKDF_INFO = Buffer.from('writeback/v1 secret', 'utf8');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedSecret {
  alg: string;
  epk: string;
  iv: string;
  ct: string;
}

/**
 * Derives the AES key: HKDF-SHA256(IKM = Z, salt = epk ‖ recipient public key, info). Keys go into
 * node's crypto as KeyObjects: a Buffer is first probed as a KeyObject by a throw and catch.
 */
export function deriveSealKey(sharedSecret: Buffer, epkRaw: Buffer, recipientRaw: Buffer): KeyObject {
  const okm = Buffer.from(hkdfSync('sha256', createSecretKey(sharedSecret), Buffer.concat([epkRaw, recipientRaw]), HKDF_INFO, 32));
  const key = createSecretKey(okm);
  okm.fill(0);
  sharedSecret.fill(0);
  return key;
}

export interface SealOptions {
  /** Fixed ephemeral private key (tests and vectors only; a real sealer uses a fresh one). */
  ephemeralPrivateKey?: KeyObject;
  /** Fixed IV (tests and vectors only). */
  iv?: Buffer;
}

/** Seals a secret object to the recipient's X25519 public key, bound to `commandId` as AAD. */
export function sealSecret(secret: Record<string, string>, recipientPublicKey: KeyObject, commandId: string, options: SealOptions = {}): SealedSecret {
  const ephemeral = options.ephemeralPrivateKey ?? generateKeyPairSync('x25519').privateKey;
  const epkRaw = rawPublicKeyBytes(ephemeral);
  const z = diffieHellman({ privateKey: ephemeral, publicKey: recipientPublicKey });
  const key = deriveSealKey(z, epkRaw, rawPublicKeyBytes(recipientPublicKey));
  const iv = options.iv ?? randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(commandId, 'utf8'));
  const plaintext = Buffer.from(JSON.stringify(secret), 'utf8');
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  plaintext.fill(0);
  return { alg: SEAL_ALG, epk: toBase64Url(epkRaw), iv: toBase64Url(iv), ct: toBase64Url(ct) };
}

export type OpenResult = { ok: true; secret: Record<string, string> } | { ok: false; reason: string };

/**
 * Opens a sealed secret with the agent's X25519 private key. Never throws; the reason names
 * what failed without any secret material.
 */
export function openSecret(sealed: SealedSecret, privateKey: KeyObject, publicKey: KeyObject, commandId: string): OpenResult {
  if (sealed.alg !== SEAL_ALG) return { ok: false, reason: `unsupported sealing algorithm (only ${SEAL_ALG})` };
  const iv = fromBase64Url(sealed.iv, IV_BYTES);
  const ct = fromBase64Url(sealed.ct);
  const epkRaw = fromBase64Url(sealed.epk, 32);
  const epk = epkRaw === null ? null : publicKeyFromBytes(epkRaw, 'X25519');
  if (iv === null) return { ok: false, reason: 'iv is not 12 bytes of base64url' };
  if (ct === null || ct.length < TAG_BYTES) return { ok: false, reason: 'ciphertext is not base64url with a 16-byte tag' };
  if (epk === null || epkRaw === null) return { ok: false, reason: 'epk is not a raw X25519 public key' };
  let plaintext: Buffer;
  try {
    const z = diffieHellman({ privateKey, publicKey: epk });
    const key = deriveSealKey(z, epkRaw, recipientBytes(publicKey));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(commandId, 'utf8'));
    decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
    plaintext = Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return { ok: false, reason: 'authentication failed (wrong key, tampered ciphertext or another command id)' };
  }
  const secret = parseSecretObject(plaintext);
  plaintext.fill(0);
  return secret === null ? { ok: false, reason: 'the opened secret is not an object of strings' } : { ok: true, secret };
}

/** The agent's own public key bytes, exported once per key rather than once per command. */
const recipientCache = new WeakMap<KeyObject, Buffer>();

function recipientBytes(publicKey: KeyObject): Buffer {
  let bytes = recipientCache.get(publicKey);
  if (bytes === undefined) {
    bytes = rawPublicKeyBytes(publicKey);
    recipientCache.set(publicKey, bytes);
  }
  return bytes;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseSecretObject(plaintext: Buffer): Record<string, string> | null {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(plaintext));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const secret: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== 'string') return null;
    secret[key] = item;
  }
  return secret;
}
