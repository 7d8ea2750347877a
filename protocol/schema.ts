import { fromBase64Url } from './base64url.js';
import type { JsonValue } from './strict-json.js';
import { parseTime } from './time.js';

/**
 * Tiny field readers for validating parsed frames. Each throws SchemaError with a reason naming
 * the member (never its value); validators catch it once at their top.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_STRING = 4096;

export function readObject(parent: JsonObject, key: string, path: string): JsonObject {
  const value = parent[key];
  if (!isJsonObject(value)) throw new SchemaError(`${path}${key} must be an object`);
  return value;
}

export function readString(parent: JsonObject, key: string, path: string, max = MAX_STRING): string {
  const value = parent[key];
  if (typeof value !== 'string') throw new SchemaError(`${path}${key} must be a string`);
  if (value.length === 0) throw new SchemaError(`${path}${key} must not be empty`);
  if (value.length > max) throw new SchemaError(`${path}${key} is longer than ${max} characters`);
  return value;
}

export function readOptionalString(parent: JsonObject, key: string, path: string, max = MAX_STRING): string | undefined {
  return parent[key] === undefined ? undefined : readString(parent, key, path, max);
}

export function readBase64Url(parent: JsonObject, key: string, path: string, bytes?: number): string {
  const value = readString(parent, key, path, 65536);
  if (fromBase64Url(value, bytes) === null) {
    throw new SchemaError(`${path}${key} must be base64url without padding${bytes === undefined ? '' : ` of ${bytes} bytes`}`);
  }
  return value;
}

export function readTime(parent: JsonObject, key: string, path: string): string {
  const value = readString(parent, key, path, 64);
  if (parseTime(value) === null) throw new SchemaError(`${path}${key} must be an RFC 3339 UTC time with milliseconds`);
  return value;
}

export function readInteger(parent: JsonObject, key: string, path: string, min: number, max: number): number {
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SchemaError(`${path}${key} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function readOptionalBoolean(parent: JsonObject, key: string, path: string): boolean | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new SchemaError(`${path}${key} must be a boolean`);
  return value;
}

export function readArray(parent: JsonObject, key: string, path: string, max: number): JsonValue[] {
  const value = parent[key];
  if (!Array.isArray(value)) throw new SchemaError(`${path}${key} must be an array`);
  if (value.length > max) throw new SchemaError(`${path}${key} has more than ${max} items`);
  return value;
}

export function readEnum<T extends string>(parent: JsonObject, key: string, path: string, allowed: readonly T[]): T {
  const value = readString(parent, key, path, 256);
  if (!(allowed as readonly string[]).includes(value)) throw new SchemaError(`${path}${key} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Refuses members other than `allowed`: for the v2 messages, whose every member is signed. */
export function assertOnlyMembers(value: JsonObject, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    // The member's name is the sender's text: the reason says only where, never what.
    if (!allowed.includes(key)) throw new SchemaError(`${path === '' ? 'the message' : path.slice(0, -1)} has a member that is not allowed here`);
  }
}
