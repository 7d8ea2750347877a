import { ConfigError } from './config-error.js';

/**
 * A tiny hand-written schema language for the config file: each parser takes the raw JSON value
 * and its key path, returns the typed value, or throws one ConfigError naming the path. Values are
 * never echoed in type errors (a misplaced password must not end up in a message).
 */
export type Parser<T> = (value: unknown, path: string) => T;

export interface Field<T> {
  readonly parse: Parser<T>;
  /** Called when the key is absent; undefined means the key is required. */
  readonly fallback: (() => T) | undefined;
}

/** How a parser is built, kept so the config reference can be checked against the schema (configKeys). */
type Shape = { kind: 'object'; fields: Record<string, Field<unknown>> } | { kind: 'array'; item: Parser<unknown> } | { kind: 'wrap'; inner: Parser<unknown> };
const shapes = new WeakMap<Parser<unknown>, Shape>();

function shaped<T>(parser: Parser<T>, shape: Shape): Parser<T> {
  shapes.set(parser, shape);
  return parser;
}

/** One key of the config file: `directories[].tls.caFile`, with its default (undefined: required). */
export interface ConfigKey {
  path: string;
  required: boolean;
  fallback: unknown;
}

/** Every key an object parser accepts, nested objects and array items included, in declaration order. */
export function configKeys(parser: Parser<unknown>, prefix = ''): ConfigKey[] {
  const shape = shapes.get(parser);
  if (shape === undefined) return [];
  if (shape.kind === 'wrap') return configKeys(shape.inner, prefix);
  if (shape.kind === 'array') return configKeys(shape.item, `${prefix}[]`);
  return Object.entries(shape.fields).flatMap(([key, field]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [{ path, required: field.fallback === undefined, fallback: field.fallback?.() }, ...configKeys(field.parse, path)];
  });
}

export type Parsed<F> = F extends Field<infer T> ? T : never;
export type ObjectOf<S extends Record<string, Field<unknown>>> = { [K in keyof S]: Parsed<S[K]> };

/** What kind of JSON value this is, in words an admin reads. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function wrongType(path: string, expected: string, value: unknown): ConfigError {
  return new ConfigError(path, `expected ${expected}, got ${jsonTypeOf(value)}`, `write ${expected} there`);
}

export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  // An odd key (spaces, dots, control characters) is quoted so the path stays unambiguous and on one line.
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function required<T>(parse: Parser<T>): Field<T> {
  return { parse, fallback: undefined };
}

/** An optional key; `fallback` is copied so callers may mutate the result. */
export function optional<T>(parse: Parser<T>, fallback: T): Field<T> {
  return { parse, fallback: () => structuredClone(fallback) };
}

export function string(options: { nonEmpty?: boolean } = {}): Parser<string> {
  return (value, path) => {
    if (typeof value !== 'string') throw wrongType(path, 'a string', value);
    if ((options.nonEmpty ?? true) && value.trim() === '') throw new ConfigError(path, 'must not be empty', 'give it a value');
    return value;
  };
}

export function boolean(): Parser<boolean> {
  return (value, path) => {
    if (typeof value !== 'boolean') throw wrongType(path, 'a boolean (true or false)', value);
    return value;
  };
}

export function integer(options: { min: number; max?: number }): Parser<number> {
  const expected = options.max === undefined ? `an integer >= ${options.min}` : `an integer from ${options.min} to ${options.max}`;
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(path, expected, value);
    if (value < options.min || (options.max !== undefined && value > options.max)) {
      throw new ConfigError(path, `${value} is out of range`, `use ${expected}`);
    }
    return value;
  };
}

export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  const list = values.map((v) => JSON.stringify(v)).join(' or ');
  return (value, path) => {
    if (typeof value !== 'string') throw wrongType(path, `one of ${list}`, value);
    if (!(values as readonly string[]).includes(value)) {
      throw new ConfigError(path, `${JSON.stringify(value)} is not allowed`, `use ${list}`);
    }
    return value as V;
  };
}

export function nullable<T>(parse: Parser<T>): Parser<T | null> {
  return shaped((value, path) => (value === null ? null : parse(value, path)), { kind: 'wrap', inner: parse });
}

export function arrayOf<T>(item: Parser<T>, options: { minItems?: number } = {}): Parser<T[]> {
  return shaped(
    (value, path) => {
      if (!Array.isArray(value)) throw wrongType(path, 'an array', value);
      const minItems = options.minItems ?? 0;
      if (value.length < minItems) {
        throw new ConfigError(path, `needs at least ${minItems} item${minItems === 1 ? '' : 's'}`, 'add the missing entries');
      }
      return value.map((element, index) => item(element, joinPath(path, index)));
    },
    { kind: 'array', item },
  );
}

/** A plain object: every known key parsed (or defaulted), any unknown key an error naming it. */
export function object<S extends Record<string, Field<unknown>>>(fields: S): Parser<ObjectOf<S>> {
  const known = Object.keys(fields);
  return shaped(
    (value, path) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw wrongType(path || '(top level)', 'an object', value);
      const input = value as Record<string, unknown>;
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(fields, key)) {
          throw new ConfigError(joinPath(path, key), 'unknown key', `remove it or fix its spelling (known keys here: ${known.join(', ')})`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of known) {
        const field = fields[key]!;
        const keyPath = joinPath(path, key);
        if (input[key] === undefined) {
          if (field.fallback === undefined) throw new ConfigError(keyPath, 'missing required key', 'add it (see config.example.json)');
          out[key] = field.fallback();
        } else {
          out[key] = field.parse(input[key], keyPath);
        }
      }
      return out as ObjectOf<S>;
    },
    { kind: 'object', fields },
  );
}

/** Runs `parse`, then `check` on its result (for rules that need the parsed value). */
export function refine<T>(parse: Parser<T>, check: (value: T, path: string) => void): Parser<T> {
  return shaped(
    (value, path) => {
      const parsed = parse(value, path);
      check(parsed, path);
      return parsed;
    },
    { kind: 'wrap', inner: parse },
  );
}
