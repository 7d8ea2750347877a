import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { AuditLog, canonicalJson, GENESIS_HASH, type AuditRecord } from '../../../../agent/audit/audit-log.js';
import { AgentError } from '../../../../agent/errors.js';
import { verifyAuditLog } from '../../../../agent/audit/verify-audit-log.js';

function record(i: number): AuditRecord {
  return { commandId: `c${i}`, op: 'resetPassword', directory: 'corp', dn: `CN=user${i},OU=Staff,DC=corp,DC=example`, code: 'OK', status: 'succeeded', time: `2026-11-21T20:00:0${i % 10}.000Z` };
}

async function logWith(count: number): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'wa-audit-')), 'audit', 'audit.jsonl');
  const log = await AuditLog.open(path);
  await Promise.all(Array.from({ length: count }, (_, i) => log.append(record(i))));
  await log.close();
  return path;
}

test('appends hash-chained lines that verify, across reopening', async (t) => {
  const path = await logWith(3);
  t.is((await stat(path)).mode & 0o777, 0o600);
  const lines = (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string | undefined>);
  t.is(lines[0]!.prev, GENESIS_HASH);
  t.is(lines[1]!.prev, lines[0]!.hash);
  t.deepEqual(
    lines.map((l) => l.commandId),
    ['c0', 'c1', 'c2'],
    'concurrent appends keep call order',
  );
  const log = await AuditLog.open(path);
  t.is(log.lastHash, lines[2]!.hash!);
  await log.append(record(3));
  await log.close();
  t.deepEqual(await verifyAuditLog(path), { ok: true, lines: 4, lastHash: (JSON.parse((await readFile(path, 'utf8')).trim().split('\n')[3]!) as { hash: string }).hash });
});

test('detects an edited line and names it', async (t) => {
  const path = await logWith(5);
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace('"code":"OK","commandId":"c2"', '"code":"PERMISSION_DENIED","commandId":"c2"'));
  t.deepEqual(await verifyAuditLog(path), { ok: false, line: 3, reason: 'hash does not match the content (the line was edited)' });
});

test('detects a removed line and a line that is not JSON', async (t) => {
  const path = await logWith(5);
  const lines = (await readFile(path, 'utf8')).split('\n');
  await writeFile(path, [...lines.slice(0, 1), ...lines.slice(2)].join('\n'));
  const result = await verifyAuditLog(path);
  t.like(result, { ok: false, line: 2 });
  t.regex((result as { reason: string }).reason, /prev does not match/);
  await writeFile(path, [...lines.slice(0, 3), 'oops', ...lines.slice(3)].join('\n'));
  t.deepEqual(await verifyAuditLog(path), { ok: false, line: 4, reason: 'not a JSON object' });
});

test('a recomputed hash on an edited line still breaks the next link', async (t) => {
  const path = await logWith(3);
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  const { createHash } = await import('node:crypto');
  const { canonicalJson } = await import('../../../../agent/audit/audit-log.js');
  const edited = JSON.parse(lines[0]!) as Record<string, string>;
  edited.code = 'EXPIRED';
  delete edited.hash;
  edited.hash = createHash('sha256')
    .update(edited.prev!)
    .update(canonicalJson({ ...edited, hash: undefined }))
    .digest('hex');
  await writeFile(path, [canonicalJson(edited), ...lines.slice(1)].join('\n') + '\n');
  t.like(await verifyAuditLog(path), { ok: false, line: 2 });
});

test('a torn last line is cut off on open and the chain continues', async (t) => {
  const path = await logWith(2);
  await appendFile(path, '{"code":"OK","commandId":"c9","dire');
  const log = await AuditLog.open(path);
  await log.append(record(2));
  await log.close();
  t.like(await verifyAuditLog(path), { ok: true, lines: 3 });
});

test('refuses a record carrying a secret-named field', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'wa-audit-')), 'audit.jsonl');
  const log = await AuditLog.open(path);
  await t.throwsAsync(log.append({ ...record(0), newPassword: 'x' } as AuditRecord), { message: /secret-looking field \(newPassword\)/ });
  await log.close();
  t.is(await readFile(path, 'utf8'), '');
});

test('concurrent appends share writes and datasyncs, keep call order, and resolve only once their line is in the file', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'wa-audit-')), 'audit.jsonl');
  const log = await AuditLog.open(path);
  const count = 200;
  const inFileWhenResolved: boolean[] = [];
  const stored = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      log.append(record(i)).then((line) => {
        inFileWhenResolved.push(readFileSync(path, 'utf8').includes(`"hash":"${line.hash}"`));
        return line;
      }),
    ),
  );
  const stats = log.stats();
  t.is(log.lastHash, stored[count - 1]!.hash);
  await log.close();
  t.true(inFileWhenResolved.every(Boolean));
  t.is(stats.lines, count);
  t.true(stats.syncs >= 1 && stats.syncs < count / 2, `${stats.syncs} datasyncs for ${count} lines`);
  t.is(stats.writes, stats.syncs);
  const lines = (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { commandId: string; hash: string });
  t.deepEqual(
    lines.map((l) => l.commandId),
    stored.map((l) => l.commandId),
  );
  t.deepEqual(lines.map((l) => l.commandId).slice(0, 3), ['c0', 'c1', 'c2']);
  t.deepEqual(await verifyAuditLog(path), { ok: true, lines: count, lastHash: stored[count - 1]!.hash });
});

test('a stored line is exactly the canonical JSON of its fields, for awkward strings and nulls too', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'wa-audit-')), 'audit.jsonl');
  const log = await AuditLog.open(path);
  // U+2028 stays unescaped in JSON: verify must not take it for a line end.
  const awkward = ['CN=O\'Brien\\, "Pat",OU=Zürich 東京 😀,DC=x', 'tab\tnew\nline\u0000\u001f\u007f\u2028', '\ud800 lone surrogate', ''];
  for (const [i, dn] of awkward.entries()) await log.append({ ...record(i), dn, directory: i % 2 === 0 ? null : dn });
  await log.append({ ...record(9), dn: null, directory: null });
  // A value outside the declared types takes the general path and still chains.
  await log.append({ ...record(10), code: 7 as unknown as string });
  await log.close();
  const texts = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
  t.is(texts.length, awkward.length + 2);
  for (const text of texts) t.is(text, canonicalJson(JSON.parse(text)));
  const verdict = await verifyAuditLog(path);
  t.like(verdict, { ok: true, lines: awkward.length + 2 });
});

test('a failing write rejects the batch and every later append with an error naming the file and the fix', async (t) => {
  // /dev/full is a real file whose every write fails with ENOSPC, as a full disk does.
  if (!existsSync('/dev/full')) {
    t.fail('this test needs /dev/full (Linux)');
    return;
  }
  const log = await AuditLog.open('/dev/full');
  const results = await Promise.allSettled([log.append(record(0)), log.append(record(1)), log.append(record(2))]);
  for (const result of results) {
    t.is(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as AgentError;
    t.true(error instanceof AgentError);
    t.regex(error.message, /^audit log \/dev\/full cannot be written \(ENOSPC\); .*free disk space.*restart the agent/);
  }
  await t.throwsAsync(log.append(record(3)), { instanceOf: AgentError, message: /audit log \/dev\/full cannot be written \(ENOSPC\)/ });
  t.is(log.stats().lines, 0);
  t.is(log.lastHash, GENESIS_HASH);
  await log.close();
  await t.throwsAsync(log.append(record(4)), { message: /audit log \/dev\/full is closed/ });
});
