import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  SUBPROTOCOL_OFFER,
  TrustedKeys,
  canonicalize,
  judgeServiceKeys,
  keyPairFromJwk,
  parseAgentFrame,
  parseServiceFrame,
  sharedFeatures,
  signHello,
  signServiceKeys,
  signServiceKeysAck,
  verifyHello,
  verifyServiceKeysAck,
  verifyServiceKeysSignature,
  type OkpPrivateJwk,
  type ServiceKeysMessage,
  type UnsignedHello,
} from '../../../protocol/index.js';

// docs/protocol.md's version 2 reproduced byte for byte from test/fixtures/protocol/vectors-v2.json.

interface KeyVector {
  kid?: string;
  private: OkpPrivateJwk;
  publicKey: string;
}
const v1 = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
const v2 = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors-v2.json', import.meta.url), 'utf8'));
const v1Keys = v1.keys as Record<string, KeyVector>;
const service = keyPairFromJwk(v1Keys['service']!.private);
const agent = keyPairFromJwk(v1Keys['agentSigning']!.private);
const service2 = keyPairFromJwk((v2.keys.service2 as KeyVector).private);
const trustFirst = (): TrustedKeys => new TrustedKeys([{ kid: v1Keys['service']!.kid!, publicKey: v1Keys['service']!.publicKey }]);
const SKEW = 60_000;

test('the agent offers writeback.v2 then writeback.v1', (t) => {
  t.deepEqual([...SUBPROTOCOL_OFFER], v2.subprotocols.offer);
});

test('the service key of version 2 derives its published public key', (t) => {
  t.is(service2.publicKeyRaw, v2.keys.service2.publicKey);
});

test('a hello with features: JCS and signature byte for byte, and it verifies', (t) => {
  const unsigned = v2.hello.unsigned as UnsignedHello;
  t.is(canonicalize(unsigned), v2.hello.jcs);
  const hello = signHello(unsigned, agent.privateKey);
  t.is(hello.signature, v2.hello.signature);
  const parsed = parseAgentFrame(JSON.stringify(hello));
  t.true(parsed.ok && parsed.message.type === 'hello' && verifyHello(parsed.message, agent.publicKey));
});

test('removing the features from a signed hello breaks its signature', (t) => {
  const hello = { ...(v2.hello.unsigned as UnsignedHello), signature: v2.hello.signature as string };
  const { features: _dropped, ...withoutFeatures } = hello;
  t.false(verifyHello(withoutFeatures, agent.publicKey));
});

test('a welcome with features parses, and only features both sides list are shared', (t) => {
  const parsed = parseServiceFrame(JSON.stringify(v2.welcome.message));
  t.true(parsed.ok);
  if (!parsed.ok || parsed.message.type !== 'welcome') return;
  t.deepEqual([...sharedFeatures(v2.hello.unsigned.features, parsed.message.features)], v2.welcome.sharedFeatures);
  t.deepEqual([...sharedFeatures(['keyRotation'], undefined)], []);
  t.deepEqual([...sharedFeatures(['keyRotation', 'somethingNew'], ['somethingNew', 'keyRotation'])], ['keyRotation']);
});

test('serviceKeys: JCS and signature byte for byte; it parses and verifies with the trusted key', (t) => {
  const v = v2.serviceKeys;
  t.is(canonicalize(v.unsigned), v.jcs);
  const signed = signServiceKeys({ keys: v.unsigned.keys, issuedAt: new Date(v.unsigned.issuedAt), kid: v.unsigned.kid }, service.privateKey);
  t.is(signed.signature, v.signature);
  const parsed = parseServiceFrame(JSON.stringify(signed));
  t.true(parsed.ok);
  if (!parsed.ok || parsed.message.type !== 'serviceKeys') return;
  t.deepEqual(parsed.message, signed);
  t.true(verifyServiceKeysSignature(parsed.message, trustFirst()));
});

test('accepting the announcement, then the retirement signed by the new key', (t) => {
  const trusted = trustFirst();
  const first = { ...v2.serviceKeys.unsigned, signature: v2.serviceKeys.signature } as ServiceKeysMessage;
  const judged = judgeServiceKeys(first, { trusted, lastIssuedAt: null, now: new Date('2026-11-21T20:10:01.000Z'), clockSkewMs: SKEW });
  t.like(judged, { ok: true, unchanged: false });
  if (!judged.ok) return;
  trusted.replace(judged.keys);
  t.deepEqual(trusted.kids.sort(), ['svc-2026-1', 'svc-2026-2']);

  // Sent again as it was: acknowledged, nothing changes.
  t.like(judgeServiceKeys(first, { trusted, lastIssuedAt: first.issuedAt, now: new Date('2026-11-21T20:11:00.000Z'), clockSkewMs: SKEW }), { ok: true, unchanged: true });

  const retirement = signServiceKeys({ keys: v2.retirement.unsigned.keys, issuedAt: new Date(v2.retirement.unsigned.issuedAt), kid: v2.retirement.unsigned.kid }, service2.privateKey);
  t.is(canonicalize(v2.retirement.unsigned), v2.retirement.jcs);
  t.is(retirement.signature, v2.retirement.signature);
  const second = judgeServiceKeys(retirement, { trusted, lastIssuedAt: first.issuedAt, now: new Date('2026-11-22T09:00:01.000Z'), clockSkewMs: SKEW });
  t.like(second, { ok: true, unchanged: false });
  if (!second.ok) return;
  trusted.replace(second.keys);
  t.deepEqual(trusted.kids, ['svc-2026-2']);
  t.is(trusted.get('svc-2026-1'), undefined, 'the retired key verifies nothing any more');
});

test('serviceKeysAck: JCS and signature byte for byte; it parses and verifies with the agent key', (t) => {
  const v = v2.serviceKeysAck;
  t.is(canonicalize(v.unsigned), v.jcs);
  const ack = signServiceKeysAck({ agentId: v.unsigned.agentId, issuedAt: v.unsigned.issuedAt, kids: [...v.unsigned.kids].reverse() }, agent.privateKey);
  t.is(ack.signature, v.signature, 'kids are sorted before signing');
  const parsed = parseAgentFrame(JSON.stringify(ack));
  t.true(parsed.ok && parsed.message.type === 'serviceKeysAck' && verifyServiceKeysAck(parsed.message, agent.publicKey));
  t.false(verifyServiceKeysAck({ ...ack, kids: ['svc-2026-2'] }, agent.publicKey));
});

for (const negative of v2.negatives as { name: string; message: ServiceKeysMessage; context: { lastIssuedAt: string | null; now: string }; expect: string }[]) {
  test(`an announcement is refused: ${negative.name} (${negative.expect})`, (t) => {
    const parsed = parseServiceFrame(JSON.stringify(negative.message));
    t.true(parsed.ok, 'the negative is well formed');
    if (!parsed.ok || parsed.message.type !== 'serviceKeys') return;
    const judged = judgeServiceKeys(parsed.message, { trusted: trustFirst(), lastIssuedAt: negative.context.lastIssuedAt, now: new Date(negative.context.now), clockSkewMs: SKEW });
    t.like(judged, { ok: false, refusal: negative.expect });
  });
}

for (const malformed of v2.malformed as { name: string; message: unknown }[]) {
  test(`a malformed announcement is an invalid message: ${malformed.name}`, (t) => {
    t.like(parseServiceFrame(JSON.stringify(malformed.message)), { ok: false, error: 'INVALID_MESSAGE' });
  });
}
