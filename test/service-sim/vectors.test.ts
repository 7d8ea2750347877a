import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fromBase64Url } from '../../protocol/index.js';
import { ServiceSim } from '../../service-sim/index.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));

test("with the vectors' key, clock, ephemeral key and IV, the service builds the vector command byte for byte", async (t) => {
  const scripted: Buffer[] = [];
  const expected = vectors.command.message;
  const sim = await ServiceSim.start({
    signingKeys: [{ kid: vectors.keys.service.kid, jwk: vectors.keys.service.private }],
    clock: { now: () => new Date(expected.command.issuedAt) },
    random: { bytes: (length) => scripted.shift() ?? randomBytes(length) },
  });
  t.teardown(() => sim.stop());
  t.deepEqual(sim.serviceKeys(), [{ kid: vectors.keys.service.kid, publicKey: vectors.keys.service.publicKey }]);
  sim.addAgent({
    tenantId: expected.command.tenantId,
    agentId: expected.command.agentId,
    signingKey: vectors.keys.agentSigning.publicKey,
    encryptionKey: vectors.keys.agentEncryption.publicKey,
  });
  scripted.push(fromBase64Url(vectors.keys.ephemeral.private.d)!, fromBase64Url(vectors.sealedSecret.iv)!);
  const [prepared] = sim.prepareCommands([
    {
      id: expected.command.id,
      tenantId: expected.command.tenantId,
      agentId: expected.command.agentId,
      op: expected.command.op,
      target: expected.command.target,
      params: expected.command.params,
      secret: vectors.sealedSecret.plaintext,
      ttlMs: Date.parse(expected.command.expiresAt) - Date.parse(expected.command.issuedAt),
    },
  ]);
  t.is(prepared!.frame, JSON.stringify(expected));
});
