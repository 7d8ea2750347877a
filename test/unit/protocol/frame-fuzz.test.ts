import test from 'ava';
import { readFileSync } from 'node:fs';
import { MAX_FRAME_BYTES, ResultCode, TrustedKeys, authenticateCommand, decodeFrame, keyPairFromJwk, parseAgentFrame, parseServiceFrame, signCommand, type Command } from '../../../protocol/index.js';

// A property-style test: tens of thousands of structure-aware mutations of valid frames go through
// the agent's first steps (decode, schema, signature, audience). Each must end in exactly one of:
// ignored with a frame error (no id to answer), or a result code SPEC.md names for that mutation.

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
const service = keyPairFromJwk(vectors.keys.service.private);
const trusted = new TrustedKeys([{ kid: 'svc-2026-1', publicKey: vectors.keys.service.publicKey }]);
const audience = { trusted, agentId: 'agent-7f3a', tenantId: 'tenant-contoso' };
const baseCommand = vectors.command.message.command as Command;

/** Seeded PRNG (mulberry32) so a failure can be reproduced from the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = { kind: 'ignored' } | { kind: 'result'; code: string; commandId: string } | { kind: 'accepted' };

function intake(frame: string | Buffer): Outcome {
  const decoded = decodeFrame(frame, false);
  if (!decoded.ok) return { kind: 'ignored' };
  if (decoded.raw['type'] !== 'command') return { kind: 'ignored' };
  const auth = authenticateCommand(decoded.raw, audience);
  if (auth.ok) return { kind: 'accepted' };
  if (auth.commandId === null) return { kind: 'ignored' };
  return { kind: 'result', code: auth.code, commandId: auth.commandId };
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  'x'.repeat(70_000),
  [],
  {},
  [[[[]]]],
  { a: { b: { c: {} } } },
  '\u0000',
  '\ud800',
  'é\u200b\uFEFF',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'Gp2UUH4na9XUr2KSPwcGI7G',
  '2026-13-45T25:61:61.000Z',
];
const COMMAND_KEYS = ['id', 'tenantId', 'agentId', 'op', 'target', 'params', 'secret', 'issuedAt', 'expiresAt', 'directory'];
const ENVELOPE_KEYS = ['type', 'command', 'kid', 'signature'];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function deepNest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** One mutation of the vector command frame; returns the frame and the outcomes allowed for it. */
function mutate(rand: () => number): { frame: string | Buffer; allowed: (o: Outcome) => boolean; what: string } {
  const envelope = structuredClone(vectors.command.message) as Record<string, unknown>;
  const command = envelope['command'] as Record<string, unknown>;
  const kind = Math.floor(rand() * 10);
  const id = baseCommand.id;
  const isResult = (codes: string[]) => (o: Outcome) => o.kind === 'result' && o.commandId === id && codes.includes(o.code);
  const ignoredOr = (codes: string[]) => (o: Outcome) => o.kind === 'ignored' || isResult(codes)(o);
  switch (kind) {
    case 0: {
      const key = pick(
        rand,
        COMMAND_KEYS.filter((k) => k !== 'id' && k !== 'directory'),
      );
      delete command[key];
      return { frame: JSON.stringify(envelope), allowed: isResult(['MALFORMED']), what: `delete command.${key}` };
    }
    case 1: {
      const key = pick(
        rand,
        COMMAND_KEYS.filter((k) => k !== 'id'),
      );
      command[key] = pick(rand, WEIRD_VALUES);
      // A weird value may still be schema-valid (e.g. a string op): then only the signature can fail.
      return { frame: JSON.stringify(envelope), allowed: (o) => o.kind === 'ignored' || isResult(['MALFORMED', 'INVALID_SIGNATURE'])(o), what: `retype command.${key}` };
    }
    case 2: {
      command['id'] = pick(
        rand,
        WEIRD_VALUES.filter((v) => typeof v !== 'string'),
      );
      return { frame: JSON.stringify(envelope), allowed: (o) => o.kind === 'ignored', what: 'id not a string' };
    }
    case 3: {
      const key = pick(
        rand,
        ENVELOPE_KEYS.filter((k) => k !== 'type' && k !== 'command'),
      );
      if (rand() < 0.5) delete envelope[key];
      else envelope[key] = pick(rand, WEIRD_VALUES);
      return { frame: JSON.stringify(envelope), allowed: ignoredOr(['MALFORMED', 'INVALID_SIGNATURE']), what: `envelope ${key}` };
    }
    case 4: {
      // __proto__ / constructor / prototype as a member name somewhere: refused by the strict parser.
      const name = pick(rand, ['__proto__', 'constructor', 'prototype']);
      const text = JSON.stringify(envelope).replace('"params":{', `"params":{"${name}":{"isAdmin":true},`);
      return { frame: text, allowed: (o) => o.kind === 'ignored', what: `${name} member` };
    }
    case 5: {
      // Duplicate member: the signed and the parsed object could differ, so the frame is refused.
      const text = JSON.stringify(envelope).replace('"op":"resetPassword"', '"op":"resetPassword","op":"unlockAccount"');
      return { frame: text, allowed: (o) => o.kind === 'ignored', what: 'duplicate member' };
    }
    case 6: {
      const text = JSON.stringify(envelope);
      const cut = Math.floor(rand() * text.length);
      return { frame: text.slice(0, cut), allowed: (o) => o.kind === 'ignored', what: `truncated at ${cut}` };
    }
    case 7: {
      const bytes = Buffer.from(JSON.stringify(envelope), 'utf8');
      const at = Math.floor(rand() * bytes.length);
      bytes[at] = Math.floor(rand() * 256);
      // A flipped byte may land anywhere: in the id (then a result may carry a different id), a
      // value (signature fails), or the syntax (ignored). Only the outcome's kind is constrained.
      return { frame: bytes, allowed: (o) => o.kind !== 'accepted' || bytes.equals(Buffer.from(JSON.stringify(envelope))), what: `byte ${at} flipped` };
    }
    case 8: {
      const secret = command['secret'] as Record<string, unknown>;
      const field = pick(rand, ['epk', 'iv', 'ct', 'alg']);
      const value = String(secret[field]);
      secret[field] = value.slice(0, Math.floor(rand() * value.length)) + (rand() < 0.5 ? '=' : '');
      return { frame: JSON.stringify(envelope), allowed: isResult(['MALFORMED', 'INVALID_SIGNATURE']), what: `secret.${field} truncated` };
    }
    default: {
      const choice = Math.floor(rand() * 3);
      if (choice === 0) {
        command['params'] = { nested: deepNest(40 + Math.floor(rand() * 200)) };
        return { frame: JSON.stringify(envelope), allowed: (o) => o.kind === 'ignored', what: 'deep nesting' };
      }
      if (choice === 1) {
        (command['target'] as Record<string, unknown>)['value'] = 'a'.repeat(MAX_FRAME_BYTES);
        return { frame: JSON.stringify(envelope), allowed: (o) => o.kind === 'ignored', what: 'frame over 64 KiB' };
      }
      (command['target'] as Record<string, unknown>)['value'] = pick(rand, ['*', '*)(uid=*', 'a\\2a', 'x\u0000y', 'é\u0301', 'CN=x,DC=y']);
      return { frame: JSON.stringify(envelope), allowed: ignoredOr(['INVALID_SIGNATURE']), what: 'hostile target value' };
    }
  }
}

test('10,000+ mutated command frames each end ignored or with the code SPEC.md names, never an exception', (t) => {
  const seed = Number(process.env['FUZZ_SEED'] ?? 20261121);
  const rand = prng(seed);
  const counts = new Map<string, number>();
  for (let i = 0; i < 12_000; i++) {
    const { frame, allowed, what } = mutate(rand);
    let outcome: Outcome;
    try {
      outcome = intake(frame);
    } catch (error) {
      t.fail(`seed ${seed}, iteration ${i} (${what}): exception ${String(error)}`);
      return;
    }
    if (!allowed(outcome)) {
      t.fail(`seed ${seed}, iteration ${i} (${what}): unexpected outcome ${JSON.stringify(outcome)}`);
      return;
    }
    const key = outcome.kind === 'result' ? outcome.code : outcome.kind;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (outcome.kind === 'result') t.true(Object.values(ResultCode).includes(outcome.code as ResultCode));
  }
  t.log(`outcomes: ${JSON.stringify(Object.fromEntries(counts))}`);
  t.true((counts.get('MALFORMED') ?? 0) > 0 && (counts.get('INVALID_SIGNATURE') ?? 0) > 0 && (counts.get('ignored') ?? 0) > 0);
});

test('validly re-signed mutations keep their codes: wrong agent, wrong tenant', (t) => {
  for (const change of [{ agentId: 'agent-other' }, { tenantId: 'tenant-other' }]) {
    const message = signCommand({ ...baseCommand, ...change }, 'svc-2026-1', service.privateKey);
    const auth = authenticateCommand(JSON.parse(JSON.stringify(message)), audience);
    t.like(auth, { ok: false, code: 'WRONG_AGENT', commandId: baseCommand.id });
  }
});

test("random bytes and random JSON values never throw from either side's parser", (t) => {
  const rand = prng(7);
  for (let i = 0; i < 3_000; i++) {
    const length = Math.floor(rand() * 300);
    const bytes = Buffer.alloc(length);
    for (let j = 0; j < length; j++) bytes[j] = Math.floor(rand() * 256);
    const value = pick(rand, WEIRD_VALUES);
    const typed = JSON.stringify({ type: pick(rand, ['challenge', 'welcome', 'registered', 'error', 'resultAck', 'hello', 'ack', 'result', 'register', 'command', 'nope']), x: value });
    for (const frame of [bytes, typed]) {
      t.notThrows(() => parseServiceFrame(frame));
      t.notThrows(() => parseAgentFrame(frame));
    }
  }
  t.like(parseServiceFrame(Buffer.from('{}'), true), { ok: false, error: 'BINARY_FRAME' });
});
