import { mock } from 'node:test';
import test from 'ava';
import type { Client } from 'ldapts';
import { UserConnections } from '../../../../agent/directory/ldap/user-connections.js';

/** A stand-in for an ldapts Client: only what UserConnections touches. */
interface FakeClient {
  id: number;
  isConnected: boolean;
  unbind(): Promise<void>;
}

function fakes(): { connect: () => Promise<Client>; opened: FakeClient[] } {
  const opened: FakeClient[] = [];
  const connect = (): Promise<Client> => {
    const client: FakeClient = {
      id: opened.length + 1,
      isConnected: true,
      unbind() {
        this.isConnected = false;
        return Promise.resolve();
      },
    };
    opened.push(client);
    return Promise.resolve(client as unknown as Client);
  };
  return { connect, opened };
}

const id = (client: Client): number => (client as unknown as FakeClient).id;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a released connection is reused; past the limit a caller waits for one instead of opening another', async (t) => {
  const { connect, opened } = fakes();
  const users = new UserConnections(connect, 2);
  const a = await users.acquire();
  const b = await users.acquire();
  t.deepEqual([a.reused, b.reused, opened.length], [false, false, 2]);
  let third: { client: Client; reused: boolean } | null = null;
  void users.acquire().then((got) => (third = got));
  await tick();
  t.is(third, null, 'waits at the limit');
  users.release(a.client, true);
  await tick();
  t.truthy(third);
  t.is(id(third!.client), id(a.client));
  t.true(third!.reused);
  t.is(opened.length, 2);
  users.release(b.client, true);
  const again = await users.acquire();
  t.deepEqual([id(again.client), again.reused], [id(b.client), true]);
});

test('an unhealthy release closes the connection and gives its slot to a waiter, who opens a new one', async (t) => {
  const { connect, opened } = fakes();
  const users = new UserConnections(connect, 1);
  const a = await users.acquire();
  const waiting = users.acquire();
  users.release(a.client, false);
  const b = await waiting;
  t.false(opened[0]!.isConnected);
  t.deepEqual([id(b.client), b.reused, users.size], [2, false, 1]);
});

test('a kept connection that closed while idle is not handed out; idle ones close after idleMs', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.teardown(() => mock.timers.reset());
  const { connect, opened } = fakes();
  const users = new UserConnections(connect, 2, 30);
  const a = await users.acquire();
  users.release(a.client, true);
  opened[0]!.isConnected = false; // the server dropped it
  const b = await users.acquire();
  t.deepEqual([id(b.client), b.reused], [2, false]);
  users.release(b.client, true);
  mock.timers.tick(29);
  t.true(opened[1]!.isConnected, 'kept until idleMs');
  mock.timers.tick(1);
  t.false(opened[1]!.isConnected);
  t.is(users.size, 0);
});

test('a failed connect frees its slot; close() closes idle connections and releases waiters', async (t) => {
  let fail = true;
  const { connect, opened } = fakes();
  const users = new UserConnections(() => (fail ? Promise.reject(new Error('down')) : connect()), 1);
  await t.throwsAsync(users.acquire(), { message: 'down' });
  t.is(users.size, 0);
  fail = false;
  const a = await users.acquire();
  const waiting = users.acquire();
  fail = true;
  await users.close();
  await t.throwsAsync(waiting, { message: 'down' });
  users.release(a.client, true);
  t.false(opened[0]!.isConnected, 'released after close: closed, not kept');
});

test('discardIdle closes the idle connections it picks and frees their slots; busy ones are left alone', async (t) => {
  const { connect, opened } = fakes();
  const users = new UserConnections(connect, 3);
  const [a, b, busy] = await Promise.all([users.acquire(), users.acquire(), users.acquire()]);
  users.release(a.client, true);
  users.release(b.client, true);
  users.discardIdle((client) => id(client) !== id(b.client) && id(client) !== id(busy.client));
  t.deepEqual(
    opened.map((c) => c.isConnected),
    [false, true, true],
  );
  t.is(users.size, 2);
  users.discardIdle((client) => id(client) === id(busy.client));
  t.true(opened[2]!.isConnected, 'in use: closed by its user, not here');
  const next = await users.acquire();
  t.deepEqual([id(next.client), next.reused], [id(b.client), true]);
});
