import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '../../../../agent/audit/audit-checkpoint.js';
import { AuditLog, type AuditRecord } from '../../../../agent/audit/audit-log.js';
import { AuditCheckpointReporter } from '../../../../agent/runtime/audit-checkpoint-reporter.js';
import { verifyAuditCheckpoint, type AuditCheckpoint, type AuditCheckpointMessage } from '../../../../protocol/index.js';

// Each checkpoint the audit log writes is handed on (the runtime reports it to the service), and
// the reporter sends only on a session that shares the feature.

const keys = generateKeyPairSync('ed25519');
const record = (i: number): AuditRecord => ({ commandId: `c${i}`, op: 'unlockAccount', directory: 'corp', dn: null, code: 'OK', status: 'succeeded', time: '2026-12-04T21:00:00.000Z' });

test('a new checkpoint is handed on once written: the first at once, then at most every everyMs, and one at close', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-audit-reports-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.jsonl');
  let now = Date.parse('2026-12-04T21:00:00.000Z');
  const seen: AuditCheckpoint[] = [];
  const log = await AuditLog.open(path, { checkpoint: { signingKey: keys.privateKey, everyMs: 60_000, now: () => new Date(now), onCheckpoint: (c) => seen.push(c) } });
  await log.append(record(1));
  await log.checkpointNow();
  t.is(seen.length, 1);
  await log.append(record(2));
  now += 1_000;
  await log.append(record(3));
  t.is(seen.length, 1, 'not again within the minute');
  now += 60_000;
  await log.append(record(4));
  await log.checkpointNow();
  t.is(seen.length, 2);
  t.deepEqual(seen[1], await readCheckpoint(path));
  t.true(verifyAuditCheckpoint(seen[1]!, keys.publicKey));
  await log.close();
  t.is(seen.length, 2, 'nothing new to sign at close');
});

test('the reporter sends the latest after a welcome and each new one, only when the session shares the feature', (t) => {
  const sent: AuditCheckpointMessage[] = [];
  let shared = false;
  const first = { v: 1, lastHash: 'a'.repeat(64), bytes: 10, at: '2026-12-04T21:00:00.000Z', signature: 'x' } as const;
  const reporter = new AuditCheckpointReporter({ agentId: 'a1', latest: first, shared: () => shared, send: (m) => sent.push(m) > 0 });
  reporter.sessionStarted();
  t.deepEqual(sent, [], 'not on a session without the feature');
  shared = true;
  reporter.sessionStarted();
  t.deepEqual(sent, [{ type: 'auditCheckpoint', agentId: 'a1', checkpoint: first }]);
  const second = { ...first, bytes: 20, at: '2026-12-04T21:01:00.000Z' };
  reporter.written(second);
  t.deepEqual(sent.at(-1)?.checkpoint, second);
  t.is(reporter.latest, second);
  const empty = new AuditCheckpointReporter({ agentId: 'a1', latest: null, shared: () => true, send: (m) => sent.push(m) > 0 });
  empty.sessionStarted();
  t.is(sent.length, 2, 'nothing to report for an empty log');
});
