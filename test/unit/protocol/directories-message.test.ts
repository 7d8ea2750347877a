import test from 'ava';
import { DEFAULT_TARGET_KIND, FrameError, encodeMessage, generateKeyPair, keyPairFromJwk, parseAgentFrame, signDirectories, verifyDirectories } from '../../../protocol/index.js';

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
