import { ldapTest as test, startLdapServer } from '../fixtures/slapd/select-fixture.js';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { AgentError } from '../../agent/errors.js';
import { LdapConnectionPool, type ConnectionPoolOptions } from '../../agent/directory/ldap/connection-pool.js';
import { readRootDse } from '../../agent/directory/ldap/root-dse.js';
import { Oid } from '../../ldap-constants/oids.js';
import type { LdapServerFixture } from '../fixtures/slapd/ldap-server-fixture.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { CaptureLogger } from './helpers/capture-logger.js';

function poolFor(slapd: LdapServerFixture, logger: CaptureLogger, overrides: Partial<ConnectionPoolOptions> = {}): LdapConnectionPool {
  return new LdapConnectionPool({
    urls: [slapd.ldapsUrl],
    tls: { caFile: slapd.caFile, startTls: false },
    // A TLS connect and bind to a slapd on shared, loaded cores; tests of a timeout set their own.
    timeoutMs: 5_000,
    bindDn: slapd.layout.serviceDn,
    bindPassword: slapd.layout.servicePassword,
    size: 2,
    logger,
    ...overrides,
  });
}

const whoAmI = (pool: LdapConnectionPool) => pool.withClient(async (client) => (await client.exop(Oid.whoAmI)).value, { idempotent: true });

/** A TCP server on loopback that accepts connections and never answers: the case that must not hang. */
async function silentServer(): Promise<{ url: string; server: Server; accepted: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return { url: `ldaps://127.0.0.1:${port}`, server, accepted: () => sockets.length };
}

test('binds as the service account over verified LDAPS and reads the root DSE', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger());
  t.teardown(() => pool.close());
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
  const dse = await pool.withClient((client) => readRootDse(client), { idempotent: true });
  t.true(dse.supportedExtension.includes(Oid.passwordModify));
  t.true(dse.supportedControl.includes(Oid.passwordPolicyRequest));
  t.deepEqual(dse.namingContexts, [slapd.suffix]);
});

test('ldap:// with StartTLS works; plain ldap:// without StartTLS is refused at construction', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const logger = new CaptureLogger();
  const pool = poolFor(slapd, logger, { urls: [slapd.ldapUrl], tls: { caFile: slapd.caFile, startTls: true } });
  t.teardown(() => pool.close());
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
  const error = t.throws(() => poolFor(slapd, logger, { urls: [slapd.ldapUrl], tls: { caFile: slapd.caFile, startTls: false } }));
  t.true(error instanceof AgentError);
  t.is((error as AgentError).details.reason, 'INSECURE_URL');
});

test('a server certificate from another CA is DIRECTORY_UNAVAILABLE (TLS_VERIFICATION_FAILED), never accepted', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  for (const options of [
    { urls: [slapd.ldapsUrl], tls: { caFile: slapd.pki.otherCaFile, startTls: false } },
    { urls: [slapd.ldapUrl], tls: { caFile: slapd.pki.otherCaFile, startTls: true } },
  ]) {
    const pool = poolFor(slapd, new CaptureLogger(), options);
    const error = await t.throwsAsync(whoAmI(pool), { instanceOf: AgentError });
    t.is(error.code, 'DIRECTORY_UNAVAILABLE');
    t.is(error.details.reason, 'TLS_VERIFICATION_FAILED');
    await pool.close();
  }
});

test('a wrong service password is PERMISSION_DENIED and the password is not logged', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const logger = new CaptureLogger();
  const pool = poolFor(slapd, logger, { bindPassword: 'Wrong-Bind-Secret-42' });
  t.teardown(() => pool.close());
  const error = await t.throwsAsync(whoAmI(pool), { instanceOf: AgentError });
  t.is(error.code, 'PERMISSION_DENIED');
  t.is(error.details.reason, 'SERVICE_BIND_FAILED');
  t.false(logger.text().includes('Wrong-Bind-Secret-42'));
  t.false(JSON.stringify(error.details).includes('Wrong-Bind-Secret-42'));
});

test('fails over from a dead URL and a silent URL to the live one, then keeps using it', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const dead = `ldaps://127.0.0.1:${await freePort()}`;
  const silent = await silentServer();
  t.teardown(() => silent.server.close());
  const logger = new CaptureLogger();
  // Generous against load on shared cores: the silent server costs one timeout, the live one answers.
  const pool = poolFor(slapd, logger, { urls: [dead, silent.url, slapd.ldapsUrl], timeoutMs: 3_000 });
  t.teardown(() => pool.close());
  const started = Date.now();
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
  t.true(Date.now() - started < 15_000, 'the silent server was given up after the timeout');
  t.is(pool.activeUrl, slapd.ldapsUrl);
  t.true(logger.lines.some((l) => l.message.includes('failover')));
  // The healthy URL is now tried first: new connections never go to the silent server again.
  const silentBefore = silent.accepted();
  await Promise.all([whoAmI(pool), whoAmI(pool), whoAmI(pool)]);
  await whoAmI(pool);
  t.is(silent.accepted(), silentBefore);
});

test('only silent servers: DIRECTORY_UNAVAILABLE (TIMEOUT) within the timeout, no hang', async (t) => {
  const silent = await silentServer();
  t.teardown(() => silent.server.close());
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger(), { urls: [silent.url], timeoutMs: 2_000 });
  t.teardown(() => pool.close());
  const started = Date.now();
  const error = await t.throwsAsync(whoAmI(pool), { instanceOf: AgentError });
  t.is(error.code, 'DIRECTORY_UNAVAILABLE');
  t.is(error.details.reason, 'TIMEOUT');
  // One timeout, not a retry after it (which would take two, 4 s at least): the rest of the
  // bound is room for a loaded machine's connect and timer lag.
  t.true(Date.now() - started < 3_900, `took ${Date.now() - started} ms`);
});

test('slapd stopped mid-run: DIRECTORY_UNAVAILABLE, then the pool re-connects and re-binds after restart', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger());
  t.teardown(() => pool.close());
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
  await slapd.stop();
  const error = await t.throwsAsync(whoAmI(pool), { instanceOf: AgentError });
  t.is(error.code, 'DIRECTORY_UNAVAILABLE');
  await slapd.start();
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`, 'bound as the service account again, not anonymous');
});

test('a non-idempotent request is not retried after the connection breaks; an idempotent one is', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger(), { size: 1 });
  t.teardown(() => pool.close());
  let calls = 0;
  const breaking = (idempotent: boolean) =>
    pool.withClient(
      async (client) => {
        calls += 1;
        if (calls === 1) throw new Error('Connection closed before message response was received. Message type: ModifyRequest (0x66)');
        return (await client.exop(Oid.whoAmI)).value;
      },
      { idempotent },
    );
  await t.throwsAsync(breaking(false));
  t.is(calls, 1);
  calls = 0;
  t.is(await breaking(true), `dn:${slapd.layout.serviceDn}`);
  t.is(calls, 2);
});

test('the pool is bounded: concurrent requests share at most `size` connections, several at once on each', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger(), { size: 2 });
  t.teardown(() => pool.close());
  let active = 0;
  let peak = 0;
  const clients = new Set<unknown>();
  await Promise.all(
    Array.from({ length: 10 }, () =>
      pool.withClient(
        async (client) => {
          clients.add(client);
          active += 1;
          peak = Math.max(peak, active);
          await client.exop(Oid.whoAmI);
          active -= 1;
        },
        { idempotent: true },
      ),
    ),
  );
  t.true(peak > 2, `requests in flight together: ${peak}`);
  t.is(clients.size, 2);
});

test('after close() requests fail with DIRECTORY_UNAVAILABLE', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger());
  await whoAmI(pool);
  await pool.close();
  const error = await t.throwsAsync(whoAmI(pool), { instanceOf: AgentError });
  t.is(error.code, 'DIRECTORY_UNAVAILABLE');
});

/** A TCP proxy in front of slapd that counts connections and can stop forwarding on those it has (a silently dead link). */
async function countingProxy(slapd: LdapServerFixture): Promise<{ url: string; connections: () => number; blackhole: () => void; close: () => void }> {
  const target = new URL(slapd.ldapsUrl);
  const links: { client: Socket; upstream: Socket }[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    links.push({ client, upstream });
  });
  server.listen(0, target.hostname);
  await once(server, 'listening');
  return {
    url: `ldaps://${target.hostname}:${(server.address() as AddressInfo).port}`,
    connections: () => links.length,
    blackhole: () => {
      for (const { client, upstream } of links) {
        client.unpipe(upstream);
        upstream.unpipe(client);
      }
    },
    close: () => {
      for (const { client, upstream } of links) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

const whoAs = (pool: LdapConnectionPool, dn: string, password: string) => pool.withUserBind({ dn, password }, async (client) => (await client.exop(Oid.whoAmI)).value);

test('a user bind runs on a connection of its own, reused by the next one, each starting with its own bind', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const proxy = await countingProxy(slapd);
  t.teardown(() => proxy.close());
  const pool = poolFor(slapd, new CaptureLogger(), { urls: [proxy.url] });
  t.teardown(() => pool.close());
  const { alice, bob } = slapd.users;
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
  t.is(await whoAs(pool, alice.dn, alice.password), `dn:${alice.dn}`);
  // The same connection, still bound as alice: a wrong password for bob must not run as alice.
  const error = await t.throwsAsync(whoAs(pool, bob.dn, 'Not-Bobs-Password-1'));
  t.is((error as { code?: unknown }).code, 49);
  t.is(await whoAs(pool, bob.dn, bob.password), `dn:${bob.dn}`);
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
  // One connection for the service account, one for all three user binds.
  t.is(proxy.connections(), 2);
});

test('a kept user connection that went dead while idle is replaced, and the bind goes through', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const proxy = await countingProxy(slapd);
  t.teardown(() => proxy.close());
  // The dead connection costs one timeout; the fresh one's TLS and bind need their own, so not too short on a loaded machine.
  const pool = poolFor(slapd, new CaptureLogger(), { urls: [proxy.url], timeoutMs: 2_000 });
  t.teardown(() => pool.close());
  const { alice } = slapd.users;
  t.is(await whoAs(pool, alice.dn, alice.password), `dn:${alice.dn}`);
  proxy.blackhole();
  t.is(await whoAs(pool, alice.dn, alice.password), `dn:${alice.dn}`);
  t.is(proxy.connections(), 2);
});

test('during an outage, queued requests all fail promptly instead of waiting for a connection that never comes', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger(), { size: 1, timeoutMs: 2_000 });
  t.teardown(() => pool.close());
  await slapd.stop();
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => whoAmI(pool)));
  t.true(results.every((r) => r.status === 'rejected' && r.reason instanceof AgentError && r.reason.code === 'DIRECTORY_UNAVAILABLE'));
  // Promptly: not one connect timeout after another for each queued request (a refused connect
  // takes no time; the timeout is for the reconnect after the restart, with TLS, on loaded cores).
  t.true(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  await slapd.start();
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
});

test('a request that breaks its connection does not strand the requests sharing it', async (t) => {
  const slapd = await startLdapServer(t);
  t.teardown(() => slapd.destroy());
  const pool = poolFor(slapd, new CaptureLogger(), { size: 1, timeoutMs: 2_000 });
  t.teardown(() => pool.close());
  const first = pool.withClient(
    async () => {
      await slapd.stop();
      throw new Error('Connection closed before message response was received. Message type: ModifyRequest (0x66)');
    },
    { idempotent: false },
  );
  const started = Date.now();
  const others = Array.from({ length: 3 }, () => whoAmI(pool));
  const results = await Promise.allSettled([first, ...others]);
  t.is(results[0]?.status, 'rejected');
  // Each other request either ran before slapd went away (they share the connection) or fails
  // as DIRECTORY_UNAVAILABLE; none waits forever.
  for (const result of results.slice(1)) {
    if (result.status === 'rejected') t.is((result.reason as AgentError).code, 'DIRECTORY_UNAVAILABLE');
    else t.is(result.value, `dn:${slapd.layout.serviceDn}`);
  }
  t.true(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  // And the pool recovers once slapd is back.
  await slapd.start();
  t.is(await whoAmI(pool), `dn:${slapd.layout.serviceDn}`);
});
