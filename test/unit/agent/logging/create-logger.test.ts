import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { createLogger, LOG_FILE_NAME } from '../../../../agent/logging/create-logger.js';

const now = (): Date => new Date('2026-11-21T20:00:00.000Z');

test('writes redacted JSON lines to the file and readable lines to the console stream', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-log-'));
  const consoleStream = new PassThrough();
  let consoleText = '';
  consoleStream.on('data', (chunk: Buffer) => (consoleText += chunk.toString()));
  const logger = createLogger({ level: 'info', dir, maxFileBytes: 1 << 20, maxFiles: 3, console: true, consoleStream, now });
  logger.redactor.track('Hunter2-Hunter2');
  logger.info('reset applied', { commandId: 'c1', dn: 'CN=alice', newPassword: 'Hunter2-Hunter2' });
  logger.child({ commandId: 'c2' }).warn('directory said Hunter2-Hunter2 is in history', { bind: { bindPassword: 'svc-pw' } });
  logger.debug('not at info level');
  await logger.close();

  const lines = (await readFile(join(dir, LOG_FILE_NAME), 'utf8')).trim().split('\n').map((l): unknown => JSON.parse(l));
  t.deepEqual(lines, [
    { level: 'info', message: 'reset applied', commandId: 'c1', dn: 'CN=alice', newPassword: '[REDACTED]', timestamp: '2026-11-21T20:00:00.000Z' },
    { level: 'warn', message: 'directory said [REDACTED] is in history', commandId: 'c2', bind: { bindPassword: '[REDACTED]' }, timestamp: '2026-11-21T20:00:00.000Z' },
  ]);
  t.regex(consoleText, /^2026-11-21T20:00:00\.000Z info {2}reset applied \{"commandId":"c1"/m);
  t.false(consoleText.includes('Hunter2'));
  t.false(consoleText.includes('svc-pw'));
  t.false(consoleText.includes('not at info level'));
});

test('rotates files by size and keeps at most maxFiles', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-log-'));
  const logger = createLogger({ level: 'info', dir, maxFileBytes: 4096, maxFiles: 3, console: false, now });
  for (let i = 0; i < 200; i++) {
    logger.info(`line ${i} ${'x'.repeat(100)}`);
    // Let the File transport see its size between writes, as it does with real traffic.
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await logger.close();
  const files = (await readdir(dir)).sort();
  t.true(files.length > 1 && files.length <= 3, files.join(', '));
  t.true(files.includes(LOG_FILE_NAME));
});

test('a line logged after close() is dropped instead of crashing the process', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wba-log-closed-'));
  const logger = createLogger({ level: 'info', dir, maxFileBytes: 1_000_000, maxFiles: 2, console: false });
  const child = logger.child({ commandId: 'c1' });
  await logger.close();
  t.notThrows(() => {
    logger.info('late line');
    child.warn('late child line');
  });
  await logger.close();
  await rm(dir, { recursive: true, force: true });
});
