/** base64url without padding (SPEC.md section 2), strict on decode. */

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes strictly: only the base64url alphabet, no padding, no impossible length, and the
 * canonical encoding only (so two different strings never decode to the same bytes).
 * Returns null instead of throwing.
 */
export function fromBase64Url(text: string, expectedLength?: number): Buffer | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return null;
  if (expectedLength !== undefined && bytes.length !== expectedLength) return null;
  return bytes;
}
