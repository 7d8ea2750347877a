import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { Journal } from '../../../../agent/journal/journal.js';
import type { JournalBegin } from '../../../../agent/journal/journal-entry.js';
import type { ResultMessage } from '../../../../protocol/index.js';

const run = promisify(execFile);
const NEW_PASSWORD = 'N3w-Passw0rd!';

/** A wall clock and a monotonic one that advance together (`jump` moves the wall clock alone). */
function clock(start = '2026-11-21T20:00:00.000Z'): { now: () => Date; monotonicMs: () => number; advance: (ms: number) => void; jump: (ms: number) => void } {
  let t = Date.parse(start);
  let elapsed = 0;
  return { now: () => new Date(t), monotonicMs: () => elapsed, advance: (ms) => ((t += ms), (elapsed += ms)), jump: (ms) => (t += ms) };
}

function info(user = 'alice'): JournalBegin {
  return { op: 'resetPassword', target: { by: 'sAMAccountName', value: user }, directory: 'corp', receivedAt: '2026-11-21T20:00:00.000Z', expiresAt: '2026-11-21T20:05:00.000Z' };
}

function resultFrame(id: string): ResultMessage {
  return {
    type: 'result',
    result: { commandId: id, agentId: 'a1', status: 'succeeded', code: 'OK', message: 'done', details: { dn: 'CN=alice', mustChangePassword: false }, completedAt: '2026-11-21T20:00:01.000Z' },
    signature: 'sig',
  };
}

async function journalPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'wa-journal-')), 'state', 'journal.jsonl');
}

test('follows a command through received, applying, done and acknowledged, durably', async (t) => {
  const path = await journalPath();
  const c = clock();
  const journal = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs });
  await journal.begin('c1', info());
  t.is(journal.get('c1')!.state, 'received');
  await journal.markApplying('c1');
  t.is(journal.get('c1')!.state, 'applying');
  await journal.complete('c1', resultFrame('c1'));
  t.deepEqual(
    journal.unacknowledged().map((e) => e.id),
    ['c1'],
  );
  t.true(await journal.acknowledge('c1'));
  t.false(await journal.acknowledge('c1'), 'a second ack changes nothing');
  t.false(await journal.acknowledge('unknown'));
  t.deepEqual(journal.unacknowledged(), []);
  await journal.close();
  t.is((await stat(path)).mode & 0o777, 0o600);

  const reopened = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs });
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
  t.deepEqual(
    restarted.unacknowledged().map((e) => e.id),
    ['done'],
  );
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
  t.true(
    (await readFile(path, 'utf8'))
      .split('\n')
      .slice(0, -1)
      .every((line) => JSON.parse(line) !== null),
  );
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

test("records written by later callbacks of the same loop turn share the first one's fsync", async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  const before = journal.stats().syncs;
  // Two callbacks of one check phase, as when one socket read finishes two commands: the second
  // writes after the first has already asked for its flush.
  const beginLater = (id: string, user: string): Promise<void> =>
    new Promise((resolve, reject) =>
      setImmediate(() => {
        journal.begin(id, info(user)).then(resolve, reject);
      }),
    );
  const first = beginLater('c1', 'u1');
  const second = beginLater('c2', 'u2');
  await Promise.all([first, second]);
  t.is(journal.stats().syncs - before, 1, 'one fsync for both records');
  t.deepEqual(
    (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id),
    ['c1', 'c2'],
  );
  await journal.close();
});

test('compact drops acknowledged entries past retention and keeps everything else', async (t) => {
  const path = await journalPath();
  const c = clock();
  const day = 24 * 60 * 60 * 1000;
  const journal = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs, retentionMs: 7 * day });
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
  const reopened = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs });
  t.deepEqual(
    ['old-acked', 'recent-acked', 'unacked', 'in-flight'].map((id) => reopened.get(id)?.state ?? null),
    [null, 'acknowledged', 'done', 'applying'],
  );
  t.deepEqual(
    reopened.unacknowledged().map((e) => e.id),
    ['unacked'],
  );
  await reopened.close();
});

test('holds no secret: a secret-looking field is refused and the file never contains a password', async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  await journal.begin('c1', info());
  // Malformed on purpose: the journal checks whatever it is given.
  await t.throwsAsync(journal.complete('c1', { type: 'result', result: { details: { newPassword: NEW_PASSWORD } } } as unknown as ResultMessage), {
    message: /refusing to journal a secret-looking field \(result\.result\.details\.newPassword\)/,
  });
  await t.throwsAsync(journal.complete('c1', { secret: { alg: 'X25519-HKDF-SHA256-A256GCM', ct: 'abc' } } as unknown as ResultMessage), { message: /secret-looking field/ });
  await journal.complete('c1', resultFrame('c1'));
  await journal.close();
  const text = await readFile(path, 'utf8');
  t.false(text.includes(NEW_PASSWORD));
  t.false(text.includes('"ct"'));
});

test('a duplicate of an acknowledged command gets the identical signed result, after compaction of others and after reopen', async (t) => {
  const path = await journalPath();
  const c = clock();
  const day = 24 * 60 * 60 * 1000;
  const journal = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs, retentionMs: 7 * day });
  const frames = new Map<string, string>();
  const finish = async (id: string): Promise<void> => {
    await journal.begin(id, info(id));
    await journal.markApplying(id);
    await journal.complete(id, resultFrame(id));
    t.true(await journal.acknowledge(id));
    frames.set(id, JSON.stringify(resultFrame(id)));
  };
  for (const id of ['old-1', 'old-2']) await finish(id);
  c.advance(3 * day);
  await finish('kept');
  await journal.begin('in-flight', info('in-flight'));
  t.is(JSON.stringify(journal.get('kept')!.result), frames.get('kept')!);
  t.is(journal.get('kept')!.state, 'acknowledged');
  t.is(journal.get('kept')!.acknowledgedAt, '2026-11-24T20:00:00.000Z');
  t.false(await journal.acknowledge('kept'), 'an acknowledged id is not acknowledged again');
  await t.throwsAsync(journal.begin('kept', info()), { message: /already has command kept/ });

  c.advance(5 * day);
  t.deepEqual(await journal.compact(), { dropped: 2, kept: 2 });
  t.is(journal.get('old-1'), undefined);
  t.is(JSON.stringify(journal.get('kept')!.result), frames.get('kept')!, 'read back at its new offset');
  // Appends after a compaction land after the rewritten lines, and are read back from there.
  await finish('after');
  t.is(JSON.stringify(journal.get('after')!.result), frames.get('after')!);
  t.deepEqual(journal.stats(), { path, fileBytes: (await stat(path)).size, entries: 3, received: 1, applying: 0, done: 0, acknowledged: 2, syncs: journal.stats().syncs });
  await journal.close();

  const reopened = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs, retentionMs: 7 * day });
  for (const id of ['kept', 'after']) {
    const entry = reopened.get(id)!;
    t.is(entry.state, 'acknowledged');
    t.is(JSON.stringify(entry.result), frames.get(id)!);
    t.deepEqual(entry.target, { by: 'sAMAccountName', value: id });
  }
  t.deepEqual(
    reopened.inFlightAtStartup().map((e) => e.id),
    ['in-flight'],
  );
  c.advance(4 * day);
  t.deepEqual(await reopened.compact(), { dropped: 1, kept: 2 }, '"kept" is past retention now, "after" is not');
  t.is(JSON.stringify(reopened.get('after')!.result), frames.get('after')!);
  await reopened.close();
});

test('get answers correctly while a compaction is moving entries', async (t) => {
  const path = await journalPath();
  const c = clock();
  const journal = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs, retentionMs: 1000, fsync: false });
  const ids = Array.from({ length: 3000 }, (_, i) => `c${i}`);
  await Promise.all(
    ids.map(async (id) => {
      await journal.begin(id, info(id));
      await journal.complete(id, resultFrame(id));
      await journal.acknowledge(id);
    }),
  );
  // Past retention, and past the commands' expiresAt plus the default 5 minutes' skew.
  c.advance(11 * 60_000);
  const kept = ids.filter((_, i) => i % 2 === 1);
  // Acknowledge half again later, as if they were recent: only the early half is past retention.
  for (const id of kept) {
    await journal.begin(`${id}-new`, info(id));
    await journal.complete(`${id}-new`, resultFrame(`${id}-new`));
    await journal.acknowledge(`${id}-new`);
  }
  let finished = false;
  const compaction = journal.compact().then((r) => {
    finished = true;
    return r;
  });
  let checks = 0;
  while (!finished) {
    const id = `${kept[checks % kept.length]!}-new`;
    t.is(JSON.stringify(journal.get(id)?.result), JSON.stringify(resultFrame(id)));
    checks++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.deepEqual(await compaction, { dropped: 3000, kept: 1500 });
  for (const id of kept) t.is(JSON.stringify(journal.get(`${id}-new`)?.result), JSON.stringify(resultFrame(`${id}-new`)));
  t.true(checks > 0);
  await journal.close();
});

test('replays a journal written with separate ack lines, and compaction rewrites those entries', async (t) => {
  const path = await journalPath();
  const c = clock();
  const journal = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs });
  await journal.close();
  const old = [
    { r: 'begin', id: 'legacy', ...info('legacy') },
    { r: 'done', id: 'legacy', at: '2026-11-21T20:00:01.000Z', result: resultFrame('legacy') },
    { r: 'ack', id: 'legacy', at: '2026-11-21T20:00:02.000Z' },
  ];
  await writeFile(path, old.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const reopened = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs });
  t.is(reopened.get('legacy')!.state, 'acknowledged');
  t.deepEqual(await reopened.compact(), { dropped: 0, kept: 1 });
  t.deepEqual(reopened.get('legacy')!.result, resultFrame('legacy'));
  t.is(reopened.get('legacy')!.acknowledgedAt, '2026-11-21T20:00:02.000Z');
  await reopened.close();
  const again = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs });
  t.deepEqual(again.get('legacy')!.result, resultFrame('legacy'));
  await again.close();
});

test('an acknowledged entry keeps little memory (its result stays in the file, its id packed)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-journal-heap-'));
  const probe = fileURLToPath(new URL('../../../helpers/journal-heap-probe.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', probe, dir, '20000']);
  const figures = JSON.parse(stdout) as { count: number; bytesPerEntry: number; acknowledged: number };
  t.is(figures.acknowledged, 20000);
  t.log(`${Math.round(figures.bytesPerEntry)} bytes (heap and typed arrays) per acknowledged entry`);
  // At 20,000 entries the packed index measures about 82 bytes an entry (grown arrays included;
  // about 55 at 56,000), a Map keyed by the id strings 140, and a held result frame would be over 1,500.
  t.true(figures.bytesPerEntry < 110, `${figures.bytesPerEntry} bytes per entry`);
});

test('unacknowledged lists results oldest completion first, whatever order the commands began in', async (t) => {
  const c = clock();
  const journal = await Journal.open({ path: await journalPath(), now: c.now, monotonicMs: c.monotonicMs });
  for (const id of ['a', 'b', 'c']) await journal.begin(id, info(id));
  for (const id of ['c', 'a', 'b']) {
    c.advance(1000);
    await journal.complete(id, resultFrame(id));
  }
  t.deepEqual(
    journal.unacknowledged().map((e) => e.id),
    ['c', 'a', 'b'],
  );
  await journal.close();
});

test('an acknowledgement costs no fsync of its own; it is in the file for a reopen, and losing it would only re-send the result', async (t) => {
  const path = await journalPath();
  const journal = await Journal.open({ path });
  await journal.begin('c1', info());
  await journal.complete('c1', resultFrame('c1'));
  const syncs = journal.stats().syncs;
  t.true(await journal.acknowledge('c1'));
  t.is(journal.stats().syncs, syncs, "written, not fsync'd");
  await journal.begin('c2', info('bob'));
  t.is(journal.stats().syncs, syncs + 1, 'the next durable write carries it to disk');
  await journal.close();
  const reopened = await Journal.open({ path });
  t.is(reopened.get('c1')!.state, 'acknowledged');
  t.deepEqual(reopened.get('c1')!.result, resultFrame('c1'));
  // Had the line been lost in a crash, c1 would be `done` again: re-sent after welcome, acknowledged again.
  t.deepEqual(
    reopened.unacknowledged().map((e) => e.id),
    [],
  );
  await reopened.close();
});

test('an id is kept until its command expires plus the skew, even when acknowledged long enough ago (issue 24)', async (t) => {
  const path = await journalPath();
  const c = clock();
  const journal = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs, retentionMs: 1000, keepAfterExpiryMs: 60_000 });
  // Valid for ten minutes from 20:00 (SPEC.md allows up to fifteen).
  await journal.begin('long', { ...info('long'), expiresAt: '2026-11-21T20:10:00.000Z' });
  await journal.complete('long', resultFrame('long'));
  await journal.acknowledge('long');
  c.advance(5 * 60_000);
  t.deepEqual(await journal.compact(), { dropped: 0, kept: 1 }, 'past retention, but the command is still valid');
  c.advance(5 * 60_000 + 30_000);
  t.deepEqual(await journal.compact(), { dropped: 0, kept: 1 }, 'expired, but not by more than the skew');
  c.advance(60_000);
  t.deepEqual(await journal.compact(), { dropped: 1, kept: 0 });
  t.is(journal.replayHorizon(), Date.parse('2026-11-21T20:10:00.000Z'), 'the horizon refuses a replay of the dropped command');
  await journal.close();
  const reopened = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs });
  t.is(reopened.replayHorizon(), Date.parse('2026-11-21T20:10:00.000Z'), 'kept across a restart');
  await reopened.close();
});

test('a forward jump of the wall clock does not drop ids whose commands are still valid (issue 24)', async (t) => {
  const path = await journalPath();
  const c = clock();
  const journal = await Journal.open({ path, now: c.now, monotonicMs: c.monotonicMs, retentionMs: 1000, keepAfterExpiryMs: 60_000 });
  await journal.begin('c1', info('c1'));
  await journal.complete('c1', resultFrame('c1'));
  await journal.acknowledge('c1');
  c.advance(2000);
  c.jump(30 * 24 * 60 * 60 * 1000);
  t.deepEqual(await journal.compact(), { dropped: 0, kept: 1 }, 'the monotonic clock says the command is still valid');
  t.is(journal.get('c1')?.state, 'acknowledged');
  await journal.close();
});
