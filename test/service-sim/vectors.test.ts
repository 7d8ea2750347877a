import test from 'ava';
import { readFileSync } from 'node:fs';
import { encodeMessage, fromBase64Url, keyPairFromJwk, publicKeyFromRaw, sealSecret, signCommand, type Command } from '../../protocol/index.js';
import { commandFrame } from '../../service/gateway/command-frame.js';
import { CommandState } from '../../service/store/command-states.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
const expected = vectors.command.message;
const serviceKey = keyPairFromJwk(vectors.keys.service.private);

test("with the vectors' key, ephemeral key and IV, protocol/ seals and signs the vector command byte for byte", (t) => {
  const sealed = sealSecret(vectors.sealedSecret.plaintext, publicKeyFromRaw(vectors.keys.agentEncryption.publicKey, 'X25519')!, expected.command.id, {
    ephemeralPrivateKey: keyPairFromJwk(vectors.keys.ephemeral.private).privateKey,
    iv: fromBase64Url(vectors.sealedSecret.iv)!,
  });
  t.deepEqual(sealed, expected.command.secret);
  const command: Command = { ...expected.command, secret: sealed };
  t.is(encodeMessage(signCommand(command, vectors.keys.service.kid, serviceKey.privateKey)), JSON.stringify(expected));
});

test("the service's command frame of the vector's stored row and sealed copy is the vector, byte for byte", (t) => {
  const c = expected.command;
  const frame = commandFrame(
    {
      id: c.id,
      tenant_id: c.tenantId,
      op: c.op,
      directory: c.directory ?? null,
      target: c.target === undefined ? null : JSON.stringify(c.target),
      params: JSON.stringify(c.params),
      has_secret: 1,
      state: CommandState.queued,
      agent_id: c.agentId,
      session_id: null,
      issued_at: c.issuedAt,
      expires_at: c.expiresAt,
      created_at: c.issuedAt,
      updated_at: c.issuedAt,
      sends: 0,
      submitted_by: 'vectors',
    },
    c.agentId,
    JSON.stringify(c.secret),
    { kid: vectors.keys.service.kid, privateKey: serviceKey.privateKey, publicKeyRaw: serviceKey.publicKeyRaw, createdAt: c.issuedAt },
  );
  t.is(frame, JSON.stringify(expected));
});
