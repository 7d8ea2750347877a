import test from 'ava';
import { verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  FrameError,
  auditCheckpointMessage,
  canonicalize,
  encodeMessage,
  fromBase64Url,
  generateKeyPair,
  keyPairFromJwk,
  parseAgentFrame,
  parseServiceFrame,
  signAuditCheckpoint,
  verifyAuditCheckpoint,
} from '../../../protocol/index.js';

// The auditCheckpoint message (docs/protocol.md, "Audit checkpoints"): strict like every v2 message.

const agent = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const other = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const checkpoint = signAuditCheckpoint({ lastHash: 'a'.repeat(64), bytes: 1234, at: '2026-12-04T21:00:00.000Z' }, agent.privateKey);
const message = auditCheckpointMessage('agent-1', checkpoint);

test('a well-formed checkpoint parses to exactly what was sent, and verifies with the agent key only', (t) => {
  const parsed = parseAgentFrame(encodeMessage(message));
  t.deepEqual(parsed.ok ? parsed.message : null, message);
  t.true(verifyAuditCheckpoint(checkpoint, agent.publicKey));
  t.false(verifyAuditCheckpoint(checkpoint, other.publicKey));
  for (const changed of [{ bytes: 1233 }, { lastHash: 'b'.repeat(64) }, { at: '2026-12-04T21:00:00.001Z' }]) {
    t.false(verifyAuditCheckpoint({ ...checkpoint, ...changed }, agent.publicKey), JSON.stringify(changed));
  }
});

test('a checkpoint with a missing, extra or wrong member is INVALID_MESSAGE', (t) => {
  const { signature: _signature, ...unsigned } = checkpoint;
  const { agentId: _agentId, ...noAgent } = message;
  const bad: Record<string, unknown>[] = [
    noAgent,
    { ...message, agentId: '' },
    { ...message, agentId: 'x'.repeat(257) },
    { ...message, extra: 1 },
    { ...message, checkpoint: null },
    { ...message, checkpoint: [] },
    { ...message, checkpoint: unsigned },
    { ...message, checkpoint: { ...checkpoint, extra: true } },
    { ...message, checkpoint: { ...checkpoint, v: 2 } },
    { ...message, checkpoint: { ...checkpoint, v: '1' } },
    { ...message, checkpoint: { ...checkpoint, lastHash: 'A'.repeat(64) } },
    { ...message, checkpoint: { ...checkpoint, lastHash: 'a'.repeat(63) } },
    { ...message, checkpoint: { ...checkpoint, lastHash: 'g'.repeat(64) } },
    { ...message, checkpoint: { ...checkpoint, bytes: 0 } },
    { ...message, checkpoint: { ...checkpoint, bytes: -1 } },
    { ...message, checkpoint: { ...checkpoint, bytes: 1.5 } },
    { ...message, checkpoint: { ...checkpoint, bytes: '1234' } },
    { ...message, checkpoint: { ...checkpoint, bytes: 2 ** 53 } },
    { ...message, checkpoint: { ...checkpoint, at: '2026-12-04T21:00:00Z' } },
    { ...message, checkpoint: { ...checkpoint, at: 'yesterday' } },
    { ...message, checkpoint: { ...checkpoint, signature: 'AAAA' } },
    { ...message, checkpoint: { ...checkpoint, signature: `${checkpoint.signature}=` } },
  ];
  for (const frame of bad) t.like(parseAgentFrame(JSON.stringify(frame)), { ok: false, error: FrameError.INVALID_MESSAGE }, JSON.stringify(frame).slice(0, 200));
});

test('the reason names the member, never the value sent', (t) => {
  const parsed = parseAgentFrame(JSON.stringify({ ...message, checkpoint: { ...checkpoint, secretLooking: 'hunter2' } }));
  t.false(parsed.ok);
  if (!parsed.ok) t.notRegex(parsed.reason, /hunter2|secretLooking/);
});

test('an agent never receives one: it is not a service message', (t) => {
  t.like(parseServiceFrame(encodeMessage(message)), { ok: false, error: FrameError.UNKNOWN_TYPE });
});

test('the vector of test/fixtures/protocol/audit-checkpoint-vector.json: JCS and signature byte for byte; it parses and verifies with the agent key', (t) => {
  const v1 = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
  const vector = JSON.parse(readFileSync(new URL('../../fixtures/protocol/audit-checkpoint-vector.json', import.meta.url), 'utf8'));
  const signer = keyPairFromJwk(v1.keys.agentSigning.private);
  t.is(canonicalize(vector.unsigned), vector.jcs);
  t.true(verify(null, Buffer.from(vector.jcs, 'utf8'), signer.publicKey, fromBase64Url(vector.signature)!), 'Ed25519 over the JCS bytes, checked without this code');
  t.is(signAuditCheckpoint(vector.unsigned, signer.privateKey).signature, vector.signature);
  const parsed = parseAgentFrame(JSON.stringify(vector.message));
  t.true(parsed.ok && parsed.message.type === 'auditCheckpoint' && verifyAuditCheckpoint(parsed.message.checkpoint, signer.publicKey));
});
