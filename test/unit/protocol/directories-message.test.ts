import test from 'ava';
import { verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_TARGET_KIND,
  FrameError,
  canonicalize,
  encodeMessage,
  fromBase64Url,
  generateKeyPair,
  keyPairFromJwk,
  parseAgentFrame,
  parseServiceFrame,
  signDirectories,
  verifyDirectories,
} from '../../../protocol/index.js';

// The `directories` message (docs/protocol.md, "Directories"): signed by the agent, strict like every v2 message.

const agent = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const other = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const message = signDirectories(
  {
    agentId: 'agent-1',
    directories: [
      { id: 'corp', kind: 'activeDirectory' },
      { id: 'lab', kind: 'openldap' },
    ],
    defaultDirectory: 'lab',
    sentAt: '2026-12-04T23:00:00.000Z',
  },
  agent.privateKey,
);

test('a well-formed report parses to exactly what was sent and verifies with the agent key only', (t) => {
  const parsed = parseAgentFrame(encodeMessage(message));
  t.deepEqual(parsed.ok ? parsed.message : null, message);
  t.true(verifyDirectories(message, agent.publicKey));
  t.false(verifyDirectories(message, other.publicKey));
  for (const changed of [
    { defaultDirectory: 'corp' },
    {
      directories: [
        { id: 'corp', kind: 'openldap' },
        { id: 'lab', kind: 'openldap' },
      ],
    },
    { agentId: 'agent-2' },
    { sentAt: '2026-12-04T23:00:00.001Z' },
  ]) {
    t.false(verifyDirectories({ ...message, ...changed }, agent.publicKey), JSON.stringify(changed));
  }
});

test('a kind this side does not know still parses (a newer agent); the service then has no default for it', (t) => {
  const newer = signDirectories({ agentId: 'agent-1', directories: [{ id: 'x', kind: 'freeIpa' }], defaultDirectory: 'x', sentAt: '2026-12-04T23:00:00.000Z' }, agent.privateKey);
  const parsed = parseAgentFrame(encodeMessage(newer));
  t.true(parsed.ok);
  t.false(Object.hasOwn(DEFAULT_TARGET_KIND, 'freeIpa'));
  t.deepEqual(DEFAULT_TARGET_KIND, { activeDirectory: 'sAMAccountName', openldap: 'uid' });
});

test('a report with a missing, extra or wrong member is INVALID_MESSAGE', (t) => {
  const { defaultDirectory: _default, ...noDefault } = message;
  const { signature: _signature, ...unsigned } = message;
  const bad: Record<string, unknown>[] = [
    noDefault,
    unsigned,
    { ...message, extra: 1 },
    { ...message, agentId: '' },
    { ...message, directories: [] },
    { ...message, directories: {} },
    { ...message, directories: Array.from({ length: 33 }, (_, i) => ({ id: `d${i}`, kind: 'openldap' })) },
    {
      ...message,
      directories: [
        { id: 'lab', kind: 'openldap' },
        { id: 'lab', kind: 'activeDirectory' },
      ],
    },
    { ...message, directories: [{ id: 'lab', kind: 'openldap', url: 'ldaps://x' }] },
    { ...message, directories: [{ id: 'lab' }] },
    { ...message, directories: [{ id: '-lab', kind: 'openldap' }] },
    { ...message, directories: [{ id: 'lab', kind: 'open ldap' }] },
    { ...message, directories: [{ id: 'x'.repeat(65), kind: 'openldap' }] },
    { ...message, defaultDirectory: 'nowhere' },
    { ...message, sentAt: 'yesterday' },
    { ...message, signature: 'AAAA' },
  ];
  for (const frame of bad) {
    const parsed = parseAgentFrame(Buffer.from(JSON.stringify(frame)));
    t.like(parsed, { ok: false, error: FrameError.INVALID_MESSAGE }, JSON.stringify(frame).slice(0, 120));
  }
});

test('an agent never receives one: it is not a service message', (t) => {
  t.like(parseServiceFrame(encodeMessage(message)), { ok: false, error: FrameError.UNKNOWN_TYPE });
});

test('the vector of test/fixtures/protocol/directories-vector.json: JCS and signature byte for byte; it parses and verifies with the agent key', (t) => {
  const v1 = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
  const vector = JSON.parse(readFileSync(new URL('../../fixtures/protocol/directories-vector.json', import.meta.url), 'utf8'));
  const signer = keyPairFromJwk(v1.keys.agentSigning.private);
  t.is(canonicalize(vector.unsigned), vector.jcs);
  t.true(verify(null, Buffer.from(vector.jcs, 'utf8'), signer.publicKey, fromBase64Url(vector.signature)!), 'Ed25519 over the JCS bytes, checked without this code');
  t.is(signDirectories(vector.unsigned, signer.privateKey).signature, vector.signature);
  const parsed = parseAgentFrame(JSON.stringify(vector.message));
  t.true(parsed.ok && parsed.message.type === 'directories' && verifyDirectories(parsed.message, signer.publicKey));
});
