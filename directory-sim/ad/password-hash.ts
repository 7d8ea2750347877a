import { createHash } from 'node:crypto';

/**
 * What the store keeps of a password: a digest, so history comparisons work and nothing readable
 * sits in memory dumps or logs. Deterministic on purpose: the simulator compares, it does not defend.
 */
export function hashPassword(password: string): string {
  return createHash('sha256').update('directory-sim\0').update(password, 'utf16le').digest('hex');
}
