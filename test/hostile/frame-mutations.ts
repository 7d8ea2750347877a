import { randomUUID } from 'node:crypto';
import type { Command } from '../../protocol/index.js';

/**
 * Structure-aware mutations of a real command frame for the socket fuzz: each mutated frame
 * gets its own command id (when it keeps one) so its outcome can be matched, and says what
 * SPEC.md allows for it: a result with one of `codes`, no result at all, or (a byte flipped
 * anywhere, the id possibly mangled) anything but an accepted command.
 */
export interface MutatedFrame {
  data: string | Buffer;
  binary: boolean;
  what: string;
  /** 'result': exactly one result for `id` with a code in `codes`; 'none': no result for `id`; 'any': a result for `id`, if any, has a code in `codes`. */
  expect: 'result' | 'none' | 'any';
  id: string | null;
  codes: readonly string[];
}

const SCHEMA_OR_SIGNATURE = ['MALFORMED', 'INVALID_SIGNATURE'] as const;
const WEIRD: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  'x'.repeat(20_000),
  [],
  {},
  [[[[]]]],
  { a: { b: { c: {} } } },
  '\u0000',
  '\ud800',
  'é\u200b\uFEFF',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\u202Egnp.exe',
  '2026-13-45T25:61:61.000Z',
  'Z'.repeat(63),
];
const REQUIRED = ['tenantId', 'agentId', 'op', 'target', 'params', 'secret', 'issuedAt', 'expiresAt'] as const;
const ODD_TARGETS = ['*', '*)(uid=*', 'a\\2a', 'x\u0000y', 'é\u0301', 'CN=x,DC=y', '\ud83d', '\u202e', '𝔘𝔫𝔦', ' ', '#00'];

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = rand2(i) ? [value] : { k: value };
  return value;
}
const rand2 = (i: number): boolean => i % 3 !== 0;

/** One mutation of `envelope` (a signed command frame as an object). Never re-signed: nothing here may be accepted. */
export function mutateFrame(envelope: { type: string; command: Command; kid: string; signature: string }, rand: () => number): MutatedFrame {
  const mutated = mutateOnce(envelope, rand);
  // JSON.stringify escapes only lone surrogates: such text is not Unicode, the frame is invalid JSON (ignored).
  if (typeof mutated.data === 'string' && /\\ud[89a-f][0-9a-f]{2}/i.test(mutated.data)) return { ...mutated, what: `${mutated.what} (lone surrogate)`, expect: 'none', codes: [] };
  return mutated;
}

function mutateOnce(envelope: { type: string; command: Command; kid: string; signature: string }, rand: () => number): MutatedFrame {
  const frame = structuredClone(envelope) as unknown as Record<string, unknown>;
  const command = frame['command'] as Record<string, unknown>;
  const id = randomUUID();
  command['id'] = id;
  const text = (): string => JSON.stringify(frame);
  const kind = Math.floor(rand() * 14);
  switch (kind) {
    case 0: {
      const key = pick(rand, REQUIRED);
      delete command[key];
      return { data: text(), binary: false, what: `delete command.${key}`, expect: 'result', id, codes: ['MALFORMED'] };
    }
    case 1: {
      const key = pick(rand, [...REQUIRED, 'directory']);
      command[key] = pick(rand, WEIRD);
      return { data: text(), binary: false, what: `retype command.${key}`, expect: 'result', id, codes: SCHEMA_OR_SIGNATURE };
    }
    case 2: {
      command['id'] = pick(
        rand,
        WEIRD.filter((v) => typeof v !== 'string'),
      );
      return { data: text(), binary: false, what: 'id not a string', expect: 'none', id, codes: [] };
    }
    case 3: {
      const key = pick(rand, ['kid', 'signature']);
      if (rand() < 0.5) delete frame[key];
      else frame[key] = pick(rand, WEIRD);
      return { data: text(), binary: false, what: `envelope ${key}`, expect: 'result', id, codes: SCHEMA_OR_SIGNATURE };
    }
    case 4: {
      const name = pick(rand, ['__proto__', 'constructor', 'prototype']);
      const where = pick(rand, ['"params":{', '"target":{', '"command":{', '"secret":{']);
      return { data: text().replace(where, `${where}"${name}":{"isAdmin":true},`), binary: false, what: `${name} member`, expect: 'none', id, codes: [] };
    }
    case 5: {
      const dup = pick(rand, ['"op":"resetPassword"', `"agentId":${JSON.stringify(command['agentId'])}`, `"kid":${JSON.stringify(frame['kid'])}`]);
      const other = dup.startsWith('"op"') ? '"op":"unlockAccount"' : dup.startsWith('"kid"') ? '"kid":"k2"' : '"agentId":"someone-else"';
      return { data: text().replace(dup, `${dup},${other}`), binary: false, what: 'duplicate member', expect: 'none', id, codes: [] };
    }
    case 6: {
      const full = text();
      const cut = Math.floor(rand() * full.length);
      return { data: full.slice(0, cut), binary: false, what: `truncated at ${cut}`, expect: 'none', id, codes: [] };
    }
    case 7: {
      const bytes = Buffer.from(text(), 'utf8');
      const at = Math.floor(rand() * bytes.length);
      bytes[at] = (bytes[at]! + 1 + Math.floor(rand() * 255)) % 256;
      // Invalid UTF-8 can only travel as a binary frame (service-sim sends a Buffer as binary): ignored.
      const valid = Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
      if (!valid) return { data: bytes, binary: true, what: `byte ${at} changed (binary)`, expect: 'none', id, codes: [] };
      return { data: bytes.toString('utf8'), binary: false, what: `byte ${at} changed`, expect: 'any', id, codes: [...SCHEMA_OR_SIGNATURE, 'WRONG_AGENT'] };
    }
    case 8: {
      const secret = command['secret'] as Record<string, unknown>;
      const field = pick(rand, ['epk', 'iv', 'ct']);
      const value = String(secret[field]);
      secret[field] = value.slice(0, Math.floor(rand() * value.length)) + pick(rand, ['=', '==', '', '*', '+/']);
      return { data: text(), binary: false, what: `secret.${field} truncated base64`, expect: 'result', id, codes: SCHEMA_OR_SIGNATURE };
    }
    case 9: {
      command['params'] = { nested: nest(33 + Math.floor(rand() * 300)) };
      return { data: text(), binary: false, what: 'deep nesting', expect: 'none', id, codes: [] };
    }
    case 10: {
      (command['target'] as Record<string, unknown>)['value'] = pick(rand, ODD_TARGETS) + (rand() < 0.2 ? 'y'.repeat(2_000) : '');
      return { data: text(), binary: false, what: 'odd target value', expect: 'result', id, codes: SCHEMA_OR_SIGNATURE };
    }
    case 11: {
      const value = pick(rand, [
        () => 'null',
        () => '[]',
        () => '"command"',
        () => '42',
        () => JSON.stringify({ type: 42 }),
        () => JSON.stringify({ type: 'nope', command: frame['command'] }),
        () => JSON.stringify({ type: 'welcome' }),
      ])();
      return { data: value, binary: false, what: 'not a command object', expect: 'none', id, codes: [] };
    }
    case 12: {
      return { data: Buffer.from(text(), 'utf8'), binary: true, what: 'binary frame', expect: 'none', id, codes: [] };
    }
    default: {
      const bytes = Buffer.alloc(1 + Math.floor(rand() * 200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
      return { data: bytes, binary: true, what: 'random bytes', expect: 'none', id, codes: [] };
    }
  }
}
