import type { KeyObject } from 'node:crypto';
import type { HelloMessage } from './messages.js';
import { signCanonical, verifyCanonical } from './signature.js';

export type UnsignedHello = Omit<HelloMessage, 'signature'>;

/** SPEC.md section 5: SIG over JCS(hello without the "signature" member). */
export function signHello(hello: UnsignedHello, agentSigningKey: KeyObject): HelloMessage {
  return { ...hello, signature: signCanonical(hello, agentSigningKey) };
}

export function verifyHello(hello: HelloMessage, agentPublicKey: KeyObject): boolean {
  const { signature, ...unsigned } = hello;
  return verifyCanonical(unsigned, signature, agentPublicKey);
}
