import test from 'ava';
import { chmodSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../protocol/index.js';
import { DataDir } from '../../service/config/data-dir.js';
import { defaultConfig } from '../../service/config/service-config.js';
import { openMigrated } from '../../service/db/open-database.js';
import { createSigningKey, KeyStatus } from '../../service/keys/signing-keys.js';
import { jsonLineLogger } from '../../service/logger.js';
import { ServiceNode } from '../../service/service-node.js';
import { eventually } from '../helpers/eventually.js';

// A running node picks up a key that `keys rotate` added (on another node, sharing the database)
// at its next heartbeat. When the key file here is not usable yet, its log line says why and what
// fixes it, and the node goes on with the keys it holds until it is.

test('a new key whose file other accounts may read is not loaded: the log names the file and the chmod; once fixed, it is loaded', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-key-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dataDir = new DataDir(join(dir, 'data'));
  dataDir.create();
  const config = defaultConfig();
  config.agents.heartbeatIntervalMs = 50;
  const setup = await openMigrated({ url: null, sqliteFile: dataDir.sqliteFile });
  const first = await createSigningKey(setup.db, dataDir, new Date());
  await setup.close();
  let log = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const node = await ServiceNode.start({ dataDir, config, listen: '127.0.0.1:0', tls: null, logger: jsonLineLogger('info', stream) });
  t.teardown(() => node.stop(0));

  // What `keys rotate` on another node leaves here: the database row, and a key file copied without its mode.
  const { jwk, publicKeyRaw } = generateKeyPair('Ed25519');
  const kid = 'k-20261205-copied';
  const file = join(dataDir.keysDir, `${kid}.jwk`);
  writeFileSync(file, `${JSON.stringify(jwk)}\n`, { mode: 0o644 });
  chmodSync(file, 0o644);
  await node.context.store.db.insertInto('signing_keys').values({ kid, public_key: publicKeyRaw, created_at: new Date().toISOString(), status: KeyStatus.active }).execute();

  await eventually(() => log.includes('cannot load the new signing keys'), { timeoutMs: 5_000, what: 'the refused reload to be logged' });
  const line = JSON.parse(log.split('\n').find((l) => l.includes('cannot load the new signing keys'))!) as Record<string, unknown>;
  t.regex(String(line['reason']), new RegExp(`${kid}\\.jwk is accessible to other accounts \\(mode 0644\\); run: chmod 600 `));
  t.false(log.includes(String(jwk.d)), 'no key material in the log');
  t.deepEqual(
    node.context.keys.current.map((key) => key.kid),
    [first.kid],
    'the node goes on with the key it holds',
  );

  chmodSync(file, 0o600);
  await eventually(() => node.context.keys.current.some((key) => key.kid === kid), { timeoutMs: 5_000, what: 'the new key to be loaded once its mode is fixed' });
  t.regex(log, /signing keys reloaded/);
});
