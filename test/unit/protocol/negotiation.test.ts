import test from 'ava';
import { FEATURES_LIST, Feature, Subprotocol, TrustedKeys, generateKeyPair, parseAgentFrame, parseServiceFrame, pickSubprotocol } from '../../../protocol/index.js';

// Version and feature negotiation, and trusted keys with validity windows (docs/protocol.md).

test('a v2 service picks v2 from the agent offer; a v1-only service picks v1; nothing shared is refused', (t) => {
  t.is(pickSubprotocol(['writeback.v2', 'writeback.v1'], [Subprotocol.v2, Subprotocol.v1]), Subprotocol.v2);
  t.is(pickSubprotocol(new Set(['writeback.v1', 'writeback.v2']), [Subprotocol.v2, Subprotocol.v1]), Subprotocol.v2, 'newest wins whatever the order offered');
  t.is(pickSubprotocol(['writeback.v2', 'writeback.v1'], [Subprotocol.v1]), Subprotocol.v1);
  t.is(pickSubprotocol(['writeback.v1'], [Subprotocol.v2, Subprotocol.v1]), Subprotocol.v1);
  t.is(pickSubprotocol(['writeback.v3'], [Subprotocol.v2, Subprotocol.v1]), null);
});

test('the features table holds keyRotation, auditCheckpoint and directories', (t) => {
  t.deepEqual([...FEATURES_LIST].sort(), [Feature.auditCheckpoint, Feature.directories, Feature.keyRotation].sort());
});

const welcome = { type: 'welcome', sessionId: 's', heartbeatIntervalMs: 30_000, serverTime: '2026-11-21T20:00:00.000Z' };

test('welcome without features is version 1 and parses as before', (t) => {
  const parsed = parseServiceFrame(JSON.stringify(welcome));
  t.true(parsed.ok);
  if (parsed.ok) t.false('features' in parsed.message);
});

test('features keep unknown names but refuse anything not a list of distinct names', (t) => {
  t.like(parseServiceFrame(JSON.stringify({ ...welcome, features: ['keyRotation', 'fromTheFuture.v3'] })), { ok: true, message: { features: ['keyRotation', 'fromTheFuture.v3'] } });
  for (const features of ['keyRotation', [1], [''], ['a b'], ['1abc'], ['x'.repeat(65)], ['keyRotation', 'keyRotation'], Array.from({ length: 33 }, (_, i) => `f${i}`), null]) {
    t.like(parseServiceFrame(JSON.stringify({ ...welcome, features })), { ok: false, error: 'INVALID_MESSAGE' }, JSON.stringify(features));
  }
});

test('a serviceKeysAck with extra members, no kids or a kid twice is an invalid message', (t) => {
  const ack = { type: 'serviceKeysAck', agentId: 'a', issuedAt: '2026-11-21T20:00:00.000Z', kids: ['k1'], signature: 'A'.repeat(86) };
  t.like(parseAgentFrame(JSON.stringify(ack)), { ok: true });
  t.like(parseAgentFrame(JSON.stringify({ ...ack, extra: true })), { ok: false, error: 'INVALID_MESSAGE' });
  t.like(parseAgentFrame(JSON.stringify({ ...ack, kids: [] })), { ok: false, error: 'INVALID_MESSAGE' });
  t.like(parseAgentFrame(JSON.stringify({ ...ack, kids: ['k1', 'k1'] })), { ok: false, error: 'INVALID_MESSAGE' });
});

test('a trusted key verifies only inside its validity window', (t) => {
  let now = new Date('2026-11-21T11:59:59.999Z');
  const key = generateKeyPair('Ed25519').publicKeyRaw;
  const trusted = new TrustedKeys([{ kid: 'k2', publicKey: key, notBefore: '2026-11-21T12:00:00.000Z', notAfter: '2026-11-22T12:00:00.000Z' }], () => now);
  t.is(trusted.get('k2'), undefined);
  now = new Date('2026-11-21T12:00:00.000Z');
  t.not(trusted.get('k2'), undefined);
  now = new Date('2026-11-22T12:00:00.001Z');
  t.is(trusted.get('k2'), undefined);
  t.deepEqual(trusted.kids, ['k2'], 'still listed: only not used');
});

test('replace swaps the whole set, and leaves it untouched when a key is not one', (t) => {
  const a = generateKeyPair('Ed25519').publicKeyRaw;
  const b = generateKeyPair('Ed25519').publicKeyRaw;
  const trusted = new TrustedKeys([{ kid: 'k1', publicKey: a }]);
  t.throws(() =>
    trusted.replace([
      { kid: 'k2', publicKey: b },
      { kid: 'bad', publicKey: 'AAAA' },
    ]),
  );
  t.deepEqual(trusted.kids, ['k1']);
  trusted.replace([{ kid: 'k2', publicKey: b }]);
  t.deepEqual(trusted.kids, ['k2']);
  t.is(trusted.get('k1'), undefined);
});

test('on a version-1 session a welcome features member is ignored unread, whatever it holds', (t) => {
  const parsed = parseServiceFrame(JSON.stringify({ ...welcome, features: 5 }), false, Subprotocol.v1);
  t.true(parsed.ok);
  if (parsed.ok) t.false('features' in parsed.message);
  t.like(parseServiceFrame(JSON.stringify({ ...welcome, features: 5 }), false, Subprotocol.v2), { ok: false, error: 'INVALID_MESSAGE' });
});
