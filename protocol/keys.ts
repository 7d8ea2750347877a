import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fromBase64Url, toBase64Url } from './base64url.js';

/** An OKP private key as a JWK (RFC 8037), the form vectors.json and the secret store use. */
export interface OkpPrivateJwk {
  kty: 'OKP';
  crv: 'Ed25519' | 'X25519';
  d: string;
  x: string;
}

export type OkpCurve = OkpPrivateJwk['crv'];

/** A key pair with the raw public key (base64url), the form keys travel in (SPEC.md section 2). */
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyRaw: string;
}

export function generateKeyPair(curve: OkpCurve): { jwk: OkpPrivateJwk; publicKeyRaw: string } {
  const { privateKey } =
    curve === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error('key generation gave no JWK');
  return { jwk: { kty: 'OKP', crv: curve, d: jwk.d, x: jwk.x }, publicKeyRaw: jwk.x };
}

export function keyPairFromJwk(jwk: OkpPrivateJwk): KeyPair {
  const privateKey = createPrivateKey({ key: { ...jwk }, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyRaw: rawPublicKey(publicKey) };
}

/** Imports a raw 32-byte public key (base64url); null when it is not one. */
export function publicKeyFromRaw(raw: string, curve: OkpCurve): KeyObject | null {
  if (fromBase64Url(raw, 32) === null) return null;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: curve, x: raw }, format: 'jwk' });
  } catch {
    return null;
  }
}

export function rawPublicKey(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an OKP public key');
  return jwk.x;
}

/** Raw bytes of a public key, for HKDF's salt. */
export function rawPublicKeyBytes(publicKey: KeyObject): Buffer {
  const bytes = fromBase64Url(rawPublicKey(publicKey), 32);
  if (bytes === null) throw new Error('not a 32-byte OKP public key');
  return bytes;
}

export { toBase64Url };
