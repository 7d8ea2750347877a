import { appendFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Journal } from '../../../../agent/journal/journal.js';
import type { JournalBegin } from '../../../../agent/journal/journal-entry.js';

const NEW_PASSWORD = 'N3w-Passw0rd!';

function clock(start = '2026-11-21T20:00:00.000Z'): { now: () => Date; advance: (ms: number) => void } {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

function info(user = 'alice'): JournalBegin {
  return { op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, directory: 'corp', receivedAt: '2026-11-21T20:00:00.000Z', expiresAt: '2026-11-21T20:05:00.000Z' };
}

function resultFrame(id: string): unknown {
  return { type: 'result', result: { commandId: id, agentId: 'a1', status: 'succeeded', code: 'OK', message: 'done', details: { dn: 'CN=alice', mustChangePassword: false }, completedAt: '2026-11-21T20:00:01.000Z' }, signature: 'sig' };
}

async function journalPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'wa-journal-')), 'state', 'journal.jsonl');
}

test('follows a command through received, applying, done and acknowledged, durably', async (t) => {
  const path = await journalPath();
  const c = clock();
  const journal = await Journal.open({ path, now: c.now });
  await journal.begin('c1', info());
  t.is(journal.get('c1')!.state, 'received');
  await journal.markApplying('c1');
  t.is(journal.get('c1')!.state, 'applying');
  await journal.complete('c1', resultFrame('c1'));
  t.deepEqual(journal.unacknowledged().map((e) => e.id), ['c1']);
  t.true(await journal.acknowledge('c1'));
  t.false(await journal.acknowledge('c1'), 'a second ack changes nothing');
  t.false(await journal.acknowledge('unknown'));
  t.deepEqual(journal.unacknowledged(), []);
  await journal.close();
  t.is((await stat(path)).mode & 0o777, 0o600);

  const reopened = await Journal.open({ path, now: c.now });
  const entry = reopened.get('c1')!;
  t.is(entry.state, 'acknowledged');
  t.deepEqual(entry.result, resultFrame('c1'));
  t.deepEqual(entry.target, { by: 'sAMAccountName', value: 'alice' });
  t.deepEqual(reopened.inFlightAtStartup(), []);
  await reopened.close();
});

test('refuses a duplicate begin and out-of-order transitions', async (t) => {
  const journal = await Journal.open({ path: await journalPath() });
  await journal.begin('c1', info());
  await t.throwsAsync(journal.begin('c1', info()), { message: /already has command c1/ });
  await t.throwsAsync(journal.markApplying('nope'), { message: /from state unknown/ });
  await journal.complete('c1', resultFrame('c1'));
  await t.throwsAsync(journal.markApplying('c1'), { message: /from state done/ });
  await t.throwsAsync(journal.complete('c1', resultFrame('c1')), { message: /from state done/ });
  await journal.close();
});

test('after a crash, received and applying commands are reported and unacknowledged results kept', async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  await journal.begin('received', info('a'));
  await journal.begin('applying', info('b'));
  await journal.markApplying('applying');
  await journal.begin('done', info('c'));
  await journal.complete('done', resultFrame('done'));
  // No close: the process "dies" here; every awaited write is already on disk.
  const restarted = await Journal.open({ path });
  t.deepEqual(
    restarted.inFlightAtStartup().map((e) => [e.id, e.state]),
    [
      ['received', 'received'],
      ['applying', 'applying'],
    ],
  );
  t.deepEqual(restarted.unacknowledged().map((e) => e.id), ['done']);
  await restarted.complete('applying', resultFrame('applying'));
  t.is(restarted.inFlightAtStartup().length, 2, 'the startup snapshot does not change');
  await restarted.close();
  await journal.close();
});

test('replay drops a torn last line and keeps appending cleanly', async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  await journal.begin('c1', info());
  await journal.close();
  await appendFile(path, '{"r":"applying","id":"c1","at":"2026-11-2');
  const reopened = await Journal.open({ path });
  t.is(reopened.get('c1')!.state, 'received');
  await reopened.markApplying('c1');
  await reopened.close();
  const again = await Journal.open({ path });
  t.is(again.get('c1')!.state, 'applying');
  t.true((await readFile(path, 'utf8')).split('\n').slice(0, -1).every((line) => JSON.parse(line) !== null));
  await again.close();
});

test('a corrupt line in the middle stops the open with its line number', async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  await journal.begin('c1', info());
  await journal.close();
  await writeFile(path, `garbage\n${await readFile(path, 'utf8')}`);
  await t.throwsAsync(Journal.open({ path }), { message: /corrupt at line 1; stop the agent, move the file aside/ });
});

test('concurrent writers share fsyncs (group commit) and all resolve durably', async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  await Promise.all(Array.from({ length: 50 }, (_, i) => journal.begin(`c${i}`, info(`u${i}`))));
  const stats = journal.stats();
  t.is(stats.entries, 50);
  t.is(stats.received, 50);
  t.true(stats.syncs < 50, `${stats.syncs} fsyncs for 50 writes`);
  t.is(stats.fileBytes, (await stat(path)).size);
  const reopened = await Journal.open({ path });
  t.is(reopened.stats().entries, 50);
  await reopened.close();
  await journal.close();
});

test('compact drops acknowledged entries past retention and keeps everything else', async (t) => {
  const path = await journalPath();
  const c = clock();
  const day = 24 * 60 * 60 * 1000;
  const journal = await Journal.open({ path, now: c.now, retentionMs: 7 * day });
  for (const id of ['old-acked', 'recent-acked', 'unacked', 'in-flight']) await journal.begin(id, info(id));
  await journal.complete('old-acked', resultFrame('old-acked'));
  await journal.acknowledge('old-acked');
  c.advance(6 * day);
  await journal.complete('recent-acked', resultFrame('recent-acked'));
  await journal.acknowledge('recent-acked');
  await journal.complete('unacked', resultFrame('unacked'));
  c.advance(2 * day);
  const sizeBefore = (await stat(path)).size;
  const pendingWrite = journal.markApplying('in-flight');
  t.deepEqual(await journal.compact(), { dropped: 1, kept: 3 });
  await pendingWrite;
  await journal.markApplying('in-flight');
  t.true((await stat(path)).size < sizeBefore + 200);
  t.is(journal.get('old-acked'), undefined);
  t.is(journal.stats().fileBytes, (await stat(path)).size);
  await journal.close();
  const reopened = await Journal.open({ path, now: c.now });
  t.deepEqual(
    ['old-acked', 'recent-acked', 'unacked', 'in-flight'].map((id) => reopened.get(id)?.state ?? null),
    [null, 'acknowledged', 'done', 'applying'],
  );
  t.deepEqual(reopened.unacknowledged().map((e) => e.id), ['unacked']);
  await reopened.close();
});

test('holds no secret: a secret-looking field is refused and the file never contains a password', async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  await journal.begin('c1', info());
  await t.throwsAsync(journal.complete('c1', { type: 'result', result: { details: { newPassword: NEW_PASSWORD } } }), { message: /refusing to journal a secret-looking field \(result\.result\.details\.newPassword\)/ });
  await t.throwsAsync(journal.complete('c1', { secret: { alg: 'X25519-HKDF-SHA256-A256GCM', ct: 'abc' } }), { message: /secret-looking field/ });
  await journal.complete('c1', resultFrame('c1'));
  await journal.close();
  const text = await readFile(path, 'utf8');
  t.false(text.includes(NEW_PASSWORD));
  t.false(text.includes('"ct"'));
});
