import { isSecretField } from './secret-keys.js';
import { TrackedTexts } from './tracked-texts.js';

export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 12;

/**
 * Scrubs secrets from anything about to be logged: values under secret-named keys (see
 * secret-keys.ts) at any depth, and every tracked in-flight password wherever it appears inside a
 * string (messages, error texts, stacks). The pipeline tracks a password when it decrypts it and
 * untracks it when the command ends.
 */
export class Redactor {
  /** Tracked text and its JSON-escaped form. */
  readonly #tracked = new TrackedTexts();

  track(value: string): void {
    for (const form of forms(value)) this.#tracked.add(form);
  }

  untrack(value: string): void {
    for (const form of forms(value)) this.#tracked.remove(form);
  }

  /** How many distinct values are tracked (for tests and status). */
  get trackedCount(): number {
    return this.#tracked.size;
  }

  /**
   * `text` with every tracked value in it replaced, overlapping ones as a whole. One pass over the
   * text (TrackedTexts), not one RegExp of all values: the set changes with every command, and
   * recompiling that RegExp for every log line would cost more than the line itself.
   */
  redactString(text: string): string {
    return this.#tracked.mask(text, REDACTED);
  }

  /**
   * A redacted deep copy of `value`, safe to serialize: cycles cut, errors turned into plain
   * objects.
   */
  redact(value: unknown): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
    return this.#redact(value, []);
  }

  /** `ancestors` holds the objects above this one: only a reference back to one of them is a cycle. */
  #redact(value: unknown, ancestors: object[]): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
    if (ancestors.includes(value)) return '[Circular]';
    if (ancestors.length >= MAX_DEPTH) return '[Too deep]';
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    ancestors.push(value);
    let out: unknown;
    if (Array.isArray(value)) {
      out = value.map((item) => this.#redact(item, ancestors));
    } else {
      const source: Record<string, unknown> = value instanceof Error ? errorFields(value) : (value as Record<string, unknown>);
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(source)) {
        const child = source[key];
        copy[key] = isSecretField(key, child) ? REDACTED : this.#redact(child, ancestors);
      }
      out = copy;
    }
    ancestors.pop();
    return out;
  }
}

function forms(value: string): string[] {
  if (value === '') return [];
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [key, child] of Object.entries(error)) fields[key] = child;
  if (error.stack !== undefined) fields.stack = error.stack;
  if (error.cause !== undefined) fields.cause = error.cause;
  return fields;
}
