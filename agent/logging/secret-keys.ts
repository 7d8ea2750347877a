/**
 * Which object keys hold secrets. Shared by the log redactor (scrubs them) and the journal
 * (refuses them). A key matches when, lowercased without `_` and `-`, it is one of EXACT or ends
 * with one of SUFFIXES; only string/object values count, so `mustChangePassword: true` stays.
 */
const EXACT = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'ct', 'authorization', 'cookie', 'secret', 'token']);
const SUFFIXES = ['password', 'passwd', 'pwd', 'secret', 'token', 'privatekey', 'apikey', 'passphrase', 'credential', 'credentials'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return EXACT.has(k) || SUFFIXES.some((suffix) => k.endsWith(suffix));
}

/** A secret-named key whose value could carry a secret (booleans, numbers and null cannot). */
export function isSecretField(key: string, value: unknown): boolean {
  return isSecretKey(key) && value !== null && typeof value !== 'boolean' && typeof value !== 'number';
}

/** The path of the first secret field in `value` (depth-first), or null. */
export function findSecretField(value: unknown, path = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const childPath = Array.isArray(value) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    if (!Array.isArray(value) && isSecretField(key, child)) return childPath;
    const found = findSecretField(child, childPath);
    if (found !== null) return found;
  }
  return null;
}
