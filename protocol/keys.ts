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
  const { privateKey } = curve === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error('key generation gave no JWK');
  return { jwk: { kty: 'OKP', crv: curve, d: jwk.d, x: jwk.x }, publicKeyRaw: jwk.x };
}

export function keyPairFromJwk(jwk: OkpPrivateJwk): KeyPair {
  const privateKey = createPrivateKey({ key: { ...jwk }, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyRaw: rawPublicKey(publicKey) };
}

/**
 * DER prefixes of a SubjectPublicKeyInfo holding a raw 32-byte OKP key (RFC 8410: the algorithm is
 * the curve's OID, 1.3.101.112 for Ed25519 and 1.3.101.110 for X25519, then the key as a BIT STRING).
 */
const SPKI_PREFIX: Record<OkpCurve, Buffer> = {
  Ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  X25519: Buffer.from('302a300506032b656e032100', 'hex'),
};

/** Imports a raw 32-byte public key (base64url); null when it is not one. */
export function publicKeyFromRaw(raw: string, curve: OkpCurve): KeyObject | null {
  const bytes = fromBase64Url(raw, 32);
  return bytes === null ? null : publicKeyFromBytes(bytes, curve);
}

/**
 * Imports the 32 bytes of a raw public key; null when the curve refuses them. Goes through a PEM
 * string: node's key import probes an object argument (JWK, DER options) by throwing and catching
 * twice, a large share of opening a sealed secret; a string is never probed.
 */
export function publicKeyFromBytes(bytes: Buffer, curve: OkpCurve): KeyObject | null {
  if (bytes.length !== 32) return null;
  const der = Buffer.concat([SPKI_PREFIX[curve], bytes]).toString('base64');
  try {
    return createPublicKey(`-----BEGIN PUBLIC KEY-----\n${der}\n-----END PUBLIC KEY-----\n`);
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
