import test from 'ava';
import { diffieHellman } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  TrustedKeys,
  authenticateCommand,
  canonicalize,
  checkTimeWindow,
  deriveSealKey,
  fromBase64Url,
  keyPairFromJwk,
  openSecret,
  rawPublicKeyBytes,
  sealSecret,
  signCanonical,
  signHello,
  signResult,
  toBase64Url,
  verifyHello,
  verifyResult,
  type Command,
  type OkpPrivateJwk,
  type SealedSecret,
  type UnsignedHello,
} from '../../../protocol/index.js';

interface KeyVector {
  kid?: string;
  private: OkpPrivateJwk;
  publicKey: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
const keys = vectors.keys as Record<string, KeyVector>;
const service = keyPairFromJwk(keys['service']!.private);
const agentSigning = keyPairFromJwk(keys['agentSigning']!.private);
const agentEncryption = keyPairFromJwk(keys['agentEncryption']!.private);
const ephemeral = keyPairFromJwk(keys['ephemeral']!.private);
const trusted = new TrustedKeys([{ kid: keys['service']!.kid!, publicKey: keys['service']!.publicKey }]);
const audience = { trusted, agentId: 'agent-7f3a', tenantId: 'tenant-contoso' };
const vectorTime = new Date('2026-11-21T20:00:30.000Z');

test('every vector key pair derives its published public key', (t) => {
  for (const [name, key] of Object.entries(keys)) {
    t.is(keyPairFromJwk(key.private).publicKeyRaw, key.publicKey, name);
  }
});

test('JCS reproduces every jcsCases entry byte for byte', (t) => {
  for (const entry of vectors.jcsCases) t.is(canonicalize(entry.input), entry.jcs);
});

test('sealing reproduces the shared secret, the AES key and the sealed object byte for byte', (t) => {
  const v = vectors.sealedSecret;
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: agentEncryption.publicKey });
  t.is(toBase64Url(z), v.sharedSecretZ);
  const key = deriveSealKey(z, rawPublicKeyBytes(ephemeral.publicKey), rawPublicKeyBytes(agentEncryption.publicKey));
  t.is(toBase64Url(key.export()), v.aesKey);
  t.is(JSON.stringify(v.plaintext), v.plaintextJson);
  const sealed = sealSecret(v.plaintext, agentEncryption.publicKey, v.commandId, {
    ephemeralPrivateKey: ephemeral.privateKey,
    iv: fromBase64Url(v.iv)!,
  });
  t.deepEqual(sealed, v.sealed);
});

test('the sealed vector opens to its plaintext with the agent key and the command id', (t) => {
  const v = vectors.sealedSecret;
  const opened = openSecret(v.sealed, agentEncryption.privateKey, agentEncryption.publicKey, v.commandId);
  t.deepEqual(opened, { ok: true, secret: v.plaintext });
});

test('the signed command: JCS and signature byte for byte, and it authenticates', (t) => {
  const v = vectors.command;
  t.is(canonicalize(v.message.command), v.jcs);
  t.is(signCanonical(v.message.command, service.privateKey), v.message.signature);
  const auth = authenticateCommand(v.message, audience);
  t.true(auth.ok);
  if (!auth.ok) return;
  t.is(checkTimeWindow(auth.message.command, vectorTime, 60_000), null);
  const opened = openSecret(auth.message.command.secret!, agentEncryption.privateKey, agentEncryption.publicKey, auth.message.command.id);
  t.deepEqual(opened, { ok: true, secret: vectors.sealedSecret.plaintext });
});

test('the unsigned unlock command: JCS and signature byte for byte', (t) => {
  const v = vectors.unsignedUnlockCommand;
  t.is(canonicalize(v.command), v.jcs);
  t.is(signCanonical(v.command as Command, service.privateKey), v.signature);
  t.true(authenticateCommand({ type: 'command', command: v.command, kid: 'svc-2026-1', signature: v.signature }, audience).ok);
});

test('hello: JCS and signature byte for byte, and it verifies', (t) => {
  const v = vectors.hello;
  t.is(canonicalize(v.unsigned), v.jcs);
  const hello = signHello(v.unsigned as UnsignedHello, agentSigning.privateKey);
  t.is(hello.signature, v.signature);
  t.true(verifyHello(hello, agentSigning.publicKey));
  t.false(verifyHello({ ...hello, maxInFlight: 17 }, agentSigning.publicKey));
});

test('result: JCS and signature byte for byte, and it verifies', (t) => {
  const v = vectors.result;
  t.is(canonicalize(v.result), v.jcs);
  const message = signResult(v.result, agentSigning.privateKey);
  t.is(message.signature, v.signature);
  t.true(verifyResult(message, agentSigning.publicKey));
  t.false(verifyResult({ ...message, result: { ...message.result, code: 'INTERNAL' } }, agentSigning.publicKey));
});

/** Runs a vector command through the protocol-side steps in SPEC.md's order and names the code. */
function codeFor(message: unknown): string {
  const auth = authenticateCommand(message as never, audience);
  if (!auth.ok) return auth.code;
  if (checkTimeWindow(auth.message.command, vectorTime, 60_000) !== null) return 'EXPIRED';
  const { command } = auth.message;
  const opened = openSecret(command.secret as SealedSecret, agentEncryption.privateKey, agentEncryption.publicKey, command.id);
  return opened.ok ? 'OK' : 'DECRYPTION_FAILED';
}

for (const negative of vectors.negatives as { name: string; message: unknown; expect: string }[]) {
  test(`negative vector "${negative.name}" yields ${negative.expect}`, (t) => {
    t.is(codeFor(negative.message), negative.expect);
  });
}

test('the untrusted key really signed the "untrusted key under a trusted kid" vector', (t) => {
  const untrusted = keyPairFromJwk(keys['untrustedService']!.private);
  const negatives = vectors.negatives as { name: string; message: { command: Command; signature: string } }[];
  const negative = negatives.find((n) => n.name.startsWith('signed by an untrusted key'))!;
  t.is(signCanonical(negative.message.command, untrusted.privateKey), negative.message.signature);
});
