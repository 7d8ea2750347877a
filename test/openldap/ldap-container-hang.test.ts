import test from 'ava';
import { createServer, type Socket } from 'node:net';
import { ENABLE_HINT, probeContainerEngine } from '../fixtures/ldap-container.js';

/**
 * Its own file, so its own worker process: testcontainers reads DOCKER_HOST once per process and
 * caches it, and the variable must not leak into other tests.
 */
test('an engine socket that accepts and never answers does not hang the probe', async (t) => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.env.DOCKER_HOST = `tcp://127.0.0.1:${port}`;
  const started = Date.now();
  const error = await t.throwsAsync(probeContainerEngine(800));
  const elapsed = Date.now() - started;
  t.log(`probe gave up after ${elapsed} ms: ${error.message}`);
  t.true(sockets.length > 0, 'the probe reached the silent socket');
  t.true(elapsed >= 700 && elapsed < 3_000, `took ${elapsed} ms`);
  t.is(error.message, `no container engine: the engine did not answer within 800 ms; ${ENABLE_HINT}`);
});
