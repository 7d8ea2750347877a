import type { SimDirectory } from '../ad/sim-directory.js';
import { decodeUnicodePwd } from '../ad/unicode-pwd.js';
import { createObject } from './create-object.js';
import type { SeedObject } from './seed-types.js';

/**
 * Parses LDIF content records (RFC 2849: folded lines, `::` base64, comments). `unicodePwd::`
 * (quoted UTF-16LE, as ldifde writes it) sets the password; `nTSecurityDescriptor:` takes SDDL text.
 */
export function parseLdif(text: string): SeedObject[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const unfolded: string[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') && unfolded.length > 0) unfolded[unfolded.length - 1] += line.slice(1);
    else unfolded.push(line);
  }
  const objects: SeedObject[] = [];
  let current: SeedObject | undefined;
  for (const line of unfolded) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (current) objects.push(current);
      current = undefined;
      continue;
    }
    const match = /^([A-Za-z0-9;.-]+)(::?)\s?(.*)$/.exec(line);
    if (!match) throw new Error(`directory-sim: bad LDIF line: ${line.slice(0, 40)}`);
    const [, name, separator, raw] = match as unknown as [string, string, string, string];
    const value: string | Buffer = separator === '::' ? Buffer.from(raw, 'base64') : raw;
    const lower = name.toLowerCase();
    if (lower === 'version') continue;
    if (lower === 'dn') {
      if (current) objects.push(current);
      current = { dn: value.toString(), attributes: {} };
      continue;
    }
    if (!current) throw new Error('directory-sim: LDIF attribute before any dn');
    if (lower === 'changetype') continue;
    if (lower === 'unicodepwd') {
      const password = Buffer.isBuffer(value) ? decodeUnicodePwd(value) : undefined;
      if (password === undefined) throw new Error('directory-sim: LDIF unicodePwd must be base64 of a quoted UTF-16LE password');
      current.password = password;
      continue;
    }
    if (lower === 'ntsecuritydescriptor') {
      current.sddl = value.toString();
      continue;
    }
    const existing = current.attributes[name];
    const item = Buffer.isBuffer(value) ? { base64: value.toString('base64') } : value;
    if (existing === undefined) current.attributes[name] = [item];
    else if (Array.isArray(existing)) existing.push(item);
  }
  if (current) objects.push(current);
  return objects;
}

export function seedFromLdif(directory: SimDirectory, text: string): void {
  for (const object of parseLdif(text)) createObject(directory, object);
}
