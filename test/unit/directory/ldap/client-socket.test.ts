import test from 'ava';
import { once } from 'node:events';
import net from 'node:net';
import type { Client } from 'ldapts';
import { tuneClientSocket } from '../../../../agent/directory/ldap/client-socket.js';
import { eventually } from '../../../helpers/eventually.js';

test('an LDAP client socket gets TCP_NODELAY and one write per turn of the event loop', async (t) => {
  const received: Buffer[] = [];
  const server = net.createServer((peer) => peer.on('data', (chunk: Buffer) => received.push(chunk)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const noDelay: (boolean | undefined)[] = [];
  const setNoDelay = socket.setNoDelay.bind(socket);
  socket.setNoDelay = (value?: boolean) => {
    noDelay.push(value);
    return setNoDelay(value);
  };
  let writes = 0;
  const writev = (socket as unknown as { _writev: (...args: unknown[]) => void })._writev.bind(socket);
  const write = (socket as unknown as { _write: (...args: unknown[]) => void })._write.bind(socket);
  Object.assign(socket, {
    _writev: (...args: unknown[]) => (writes++, writev(...args)),
    _write: (...args: unknown[]) => (writes++, write(...args)),
  });
  tuneClientSocket({ socket } as unknown as Client);
  t.deepEqual(noDelay, [true]);
  socket.write('first ');
  socket.write('second');
  await new Promise((resolve) => setImmediate(resolve));
  // Until the server has both words, not a fixed pause: a loaded machine may take longer.
  await eventually(() => Buffer.concat(received).length === 'first second'.length, { timeoutMs: 10_000, what: 'both words at the server' });
  t.is(writes, 1);
  t.is(Buffer.concat(received).toString(), 'first second');
  socket.destroy();
  server.close();
});

test('a client without a socket is left alone', (t) => {
  t.notThrows(() => tuneClientSocket({} as unknown as Client));
});
