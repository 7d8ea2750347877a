/**
 * JSON Canonicalization Scheme (RFC 8785). Property names sort by UTF-16 code units (what
 * Array.prototype.sort does on strings); strings and numbers take ECMAScript's JSON forms.
 */
export class JcsError extends Error {
  override readonly name = 'JcsError';
}

export function canonicalize(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, 0);
  return parts.join('');
}

const MAX_DEPTH = 64;

function write(value: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw new JcsError('value nested too deeply');
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new JcsError('non-finite number');
      out.push(JSON.stringify(value));
      return;
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'object':
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((item, index) => {
          if (index > 0) out.push(',');
          write(item, out, depth + 1);
        });
        out.push(']');
        return;
      }
      writeObject(value as Record<string, unknown>, out, depth);
      return;
    default:
      throw new JcsError(`cannot canonicalize a ${typeof value}`);
  }
}

function writeObject(object: Record<string, unknown>, out: string[], depth: number): void {
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  out.push('{');
  keys.forEach((key, index) => {
    if (index > 0) out.push(',');
    out.push(JSON.stringify(key), ':');
    write(object[key], out, depth + 1);
  });
  out.push('}');
}

/** The UTF-8 bytes of JCS(value): what signatures are computed over. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
