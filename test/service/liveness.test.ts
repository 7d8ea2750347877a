import test, { type ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { pingRound, type WatchedConnection } from '../../service/gateway/liveness.js';
import { eventually } from '../helpers/eventually.js';

/** A real loopback WebSocket pair: the server side as the gateway watches it, the client answering pings or not. */
async function pair(t: ExecutionContext, answersPings: boolean): Promise<{ watched: WatchedConnection; client: WebSocket; pongs: () => number }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { autoPong: answersPings });
  t.teardown(() => client.terminate());
  const [ws] = await Promise.all([accepted, new Promise((resolve) => client.once('open', resolve))]);
  let pongs = 0;
  const watched: WatchedConnection = { phase: 'session', ws, alive: true };
  ws.on('pong', () => {
    pongs += 1;
    watched.alive = true;
  });
  return { watched, client, pongs: () => pongs };
}

test('a session that answers the ping stays; one that answers nothing for a round is terminated', async (t) => {
  const live = await pair(t, true);
  const deaf = await pair(t, false);
  const dead: WatchedConnection[] = [];
  pingRound([live.watched, deaf.watched], (connection) => dead.push(connection));
  await eventually(() => live.pongs() === 1, { timeoutMs: 5_000, what: 'the pong of the live client' });
  t.false(deaf.watched.alive);
  const closed = new Promise<number>((resolve) => deaf.client.once('close', resolve));
  pingRound([live.watched, deaf.watched], (connection) => dead.push(connection));
  t.deepEqual(dead, [deaf.watched]);
  t.is(await closed, 1006, 'terminated without a close frame');
  t.is(live.client.readyState, WebSocket.OPEN);
});

test('connections not in a session (registering, closed) are neither pinged nor dropped', async (t) => {
  const deaf = await pair(t, false);
  deaf.watched.alive = false;
  const registering = { ...deaf.watched, phase: 'open' };
  const dead: WatchedConnection[] = [];
  pingRound([registering], (connection) => dead.push(connection));
  t.deepEqual(dead, []);
  t.is(deaf.client.readyState, WebSocket.OPEN);
});
