/**
 * Which object keys hold secrets. Shared by the log redactor (scrubs them) and the journal and
 * audit log (refuse them). A key matches when, lowercased without `_` and `-`, it is one of EXACT
 * or ends with one of SUFFIXES; only string/object values count, so `mustChangePassword: true` stays.
 */
const EXACT = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'ct', 'authorization', 'cookie', 'secret', 'token']);
const SUFFIXES = ['password', 'passwd', 'pwd', 'secret', 'token', 'privatekey', 'apikey', 'passphrase', 'credential', 'credentials'];

/**
 * Verdicts for keys already seen. Every log line, journal record and audit line asks about the
 * same few dozen keys the code uses, so the answer is a lookup after the first time.
 * Bounded: keys beyond the cap (say, from data) are still checked, just not remembered.
 */
const verdicts = new Map<string, boolean>();
const MAX_REMEMBERED = 4096;

export function isSecretKey(key: string): boolean {
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const k = key.toLowerCase().replace(/[-_]/g, '');
  const secret = EXACT.has(k) || SUFFIXES.some((suffix) => k.endsWith(suffix));
  if (verdicts.size < MAX_REMEMBERED) verdicts.set(key, secret);
  return secret;
}

/** A secret-named key whose value could carry a secret (booleans, numbers and null cannot). */
export function isSecretField(key: string, value: unknown): boolean {
  return value !== null && typeof value !== 'boolean' && typeof value !== 'number' && isSecretKey(key);
}

/**
 * The path of the first secret field in `value` (depth-first, e.g. `result.details.newPassword`
 * or `items[2].token`), or null. The path is only built for a hit, on the way back up.
 */
export function findSecretField(value: unknown, path = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  const found = findIn(value);
  if (found === null || path === '') return found;
  return found.startsWith('[') ? `${path}${found}` : `${path}.${found}`;
}

function findIn(value: object): string | null {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const child: unknown = value[index];
      if (child === null || typeof child !== 'object') continue;
      const found = findIn(child);
      if (found !== null) return `[${index}]${found.startsWith('[') ? '' : '.'}${found}`;
    }
    return null;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (isSecretField(key, child)) return key;
    if (child === null || typeof child !== 'object') continue;
    const found = findIn(child);
    if (found !== null) return `${key}${found.startsWith('[') ? '' : '.'}${found}`;
  }
  return null;
}
