import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { Client } from 'ldapts';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { eventually } from '../helpers/eventually.js';

test('the CLI starts a sim, prints its URLs and CA file, and stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--import=tsx', 'directory-sim/cli.ts', '--mode', 'samba', '--bulk', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Until the CA line has ended, not a pause after its start: the path may come in a later chunk.
  await eventually(() => /CA certificate: \S+\n/.test(output), { timeoutMs: 30_000, intervalMs: 50, what: 'the CA certificate line' });
  t.regex(output, /directory-sim \(samba\) ready in \d+ ms: \d+ entries under DC=sim,DC=test/);
  const ldaps = /ldaps:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0];
  const caFile = /CA certificate: (\S+)/.exec(output)?.[1];
  t.truthy(ldaps && caFile);
  const client = new Client({ url: ldaps!, tlsOptions: { ca: [await readFile(caFile!, 'utf8')] }, timeout: 5000 });
  await client.bind('svc-writeback@sim.test', SeededAccount.svcWriteback.password);
  const { searchEntries } = await client.search('OU=Bulk,DC=sim,DC=test', { filter: '(objectClass=user)', attributes: ['cn'] });
  t.is(searchEntries.length, 10);
  await client.unbind();
  t.false(output.includes(SeededAccount.svcWriteback.password));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  t.is(await exited, 0);
});
