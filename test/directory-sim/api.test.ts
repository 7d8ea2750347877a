import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import test from 'ava';
import { Attribute, Change, Client } from 'ldapts';
import { agentDirectoryConfig } from '../helpers/directory-config.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { startDirectorySim } from '../../directory-sim/start-directory-sim.js';
import { dnOf, startSim, testPki } from './helpers/with-sim.js';

test('a replica serves the same directory with its own faults; caFile and the agent config point at both', async (t) => {
  const dc1 = await startSim();
  const { caPem, certPem, keyPem } = await testPki();
  const dc2 = await startDirectorySim({ replicaOf: dc1, host: '127.0.0.1', tls: { key: keyPem, cert: certPem, ca: caPem } });
  t.teardown(async () => {
    await dc2.stop();
    await dc1.stop();
  });
  t.is(await readFile(dc1.caFile!, 'utf8'), caPem);
  const config = agentDirectoryConfig([dc1, dc2]);
  t.deepEqual(config.urls, [dc1.ldapsUrl, dc2.ldapsUrl]);
  t.is(config.bindDn, dnOf(dc1, 'svcWriteback'));

  dc1.faults.refuseConnections = true;
  const client = new Client({ url: config.urls[1]!, tlsOptions: { ca: [await readFile(config.tls.caFile!, 'utf8')] }, timeout: 5000 });
  await client.bind(config.bindDn, SeededAccount.svcWriteback.password);
  await client.modify(dnOf(dc1, 'alice'), new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
  await client.unbind();
  t.is(dc1.opLog.writesFor(dnOf(dc1, 'alice'), { successfulOnly: true }).length, 1);
  t.deepEqual(dc1.store.values(dc1.store.get(dnOf(dc1, 'alice'))!, 'pwdLastSet'), ['0']);
  const caFile = dc1.caFile!;
  await dc1.stop();
  t.false(existsSync(caFile));
});

test('listens on loopback only', async (t) => {
  await t.throwsAsync(startDirectorySim({ host: '0.0.0.0' }), { message: /127\.0\.0\.0\/8 only/ });
});
