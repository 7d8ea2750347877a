import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { checkpointSignatureValid, readCheckpoint } from '../../../../agent/audit/audit-checkpoint.js';
import { AuditLog, type AuditRecord } from '../../../../agent/audit/audit-log.js';
import { verifyAuditLog } from '../../../../agent/audit/verify-audit-log.js';

// Issue 24, item 9: a truncated tail or a rebuilt file verified as intact; a checkpoint signed with
// the agent's key now tells them apart.

const keys = generateKeyPairSync('ed25519');

function record(i: number): AuditRecord {
  return { commandId: `c${i}`, op: 'resetPassword', directory: 'corp', dn: `CN=user${i},OU=Staff,DC=corp,DC=example`, code: 'OK', status: 'succeeded', time: '2026-11-21T20:00:00.000Z' };
}

async function logWith(count: number): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'wa-audit-cp-')), 'audit.jsonl');
  const log = await AuditLog.open(path, { checkpoint: { signingKey: keys.privateKey, everyMs: 60_000, now: () => new Date() } });
  for (let i = 0; i < count; i++) await log.append(record(i));
  await log.close();
  return path;
}

test('the agent signs a checkpoint of where the log got to; an intact log reaches it', async (t) => {
  const path = await logWith(4);
  const checkpoint = await readCheckpoint(path);
  t.truthy(checkpoint);
  t.true(checkpointSignatureValid(checkpoint!, keys.publicKey));
  t.false(checkpointSignatureValid({ ...checkpoint!, bytes: 1 }, keys.publicKey), 'any change breaks the signature');
  t.like(await verifyAuditLog(path, checkpoint), { ok: true, lines: 4 });
});

test('a truncated tail is detected against the checkpoint', async (t) => {
  const path = await logWith(4);
  const checkpoint = await readCheckpoint(path);
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  await truncate(path, Buffer.byteLength(`${lines.slice(0, 2).join('\n')}\n`));
  t.like(await verifyAuditLog(path), { ok: true, lines: 2 }, 'the chain alone cannot see it');
  t.like(await verifyAuditLog(path, checkpoint), { ok: false, line: 3 });
});

test('a rebuilt log (a line dropped, the chain recomputed) is detected against the checkpoint', async (t) => {
  const path = await logWith(4);
  const checkpoint = await readCheckpoint(path);
  // Rebuilt by someone without the key: the same records but one, chained afresh.
  const rebuilt = join(await mkdtemp(join(tmpdir(), 'wa-audit-rb-')), 'audit.jsonl');
  const log = await AuditLog.open(rebuilt);
  for (const i of [0, 2, 3]) await log.append(record(i));
  await log.close();
  await writeFile(path, await readFile(rebuilt));
  t.like(await verifyAuditLog(path), { ok: true, lines: 3 }, 'the chain alone cannot see it');
  t.like(await verifyAuditLog(path, checkpoint), { ok: false });
});
