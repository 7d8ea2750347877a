import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { AuditLog } from '../../../../agent/audit/audit-log.js';
import { verifyAuditLog } from '../../../../agent/audit/verify-audit-log.js';

const WRITER = fileURLToPath(new URL('../../../fixtures/audit/audit-writer.ts', import.meta.url));

/** Runs the writer until it has reported `durable` lines, then SIGKILLs it mid-stream; returns the hashes it reported. */
async function writeThenKill(file: string, prefix: string, durable: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, '16', prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.split('\n').length > durable) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    // 'close', not 'exit': by then every line it reported has been read, and so has its stderr.
    child.once('close', (code) => reject(new Error(`writer exited (${code}) early: ${err}`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return out.split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line));
}

test('killed mid-stream again and again, the log keeps one valid chain holding every line reported durable', async (t) => {
  const file = join(await mkdtemp(join(tmpdir(), 'wa-audit-crash-')), 'audit.jsonl');
  const reported: string[] = [];
  for (let run = 0; run < 3; run++) {
    reported.push(...(await writeThenKill(file, `run${run}`, 300 + run * 100)));
    // Opening cuts a torn last line, as the agent does at start.
    const log = await AuditLog.open(file);
    const verdict = await verifyAuditLog(file);
    t.true(verdict.ok, JSON.stringify(verdict));
    t.is(log.lastHash, (verdict as { lastHash: string }).lastHash);
    await log.close();
  }
  const stored = new Set(
    (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { hash: string }).hash),
  );
  t.true(
    reported.every((hash) => stored.has(hash)),
    'every line reported durable is in the log',
  );
  t.true(reported.length >= 900);
});
