import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { closeLogger, createLogger, LOG_FILE_NAME } from '../../../../agent/logging/create-logger.js';

const now = (): Date => new Date('2026-11-21T20:00:00.000Z');

/** A logger at info level writing into a new temporary directory, and to a captured console stream when asked. */
async function tempLogger(options: { console?: boolean } = {}): Promise<{ dir: string; logger: ReturnType<typeof createLogger>; consoleText: () => string }> {
  const dir = await mkdtemp(join(tmpdir(), 'wa-log-'));
  const consoleStream = new PassThrough();
  let text = '';
  consoleStream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = createLogger({ level: 'info', dir, maxFileBytes: 1 << 20, maxFiles: 3, console: options.console ?? false, consoleStream, now });
  return { dir, logger, consoleText: () => text };
}

test('writes redacted JSON lines to the file and readable lines to the console stream', async (t) => {
  const { dir, logger, consoleText } = await tempLogger({ console: true });
  logger.redactor.track('Hunter2-Hunter2');
  logger.info('reset applied', { commandId: 'c1', dn: 'CN=alice', newPassword: 'Hunter2-Hunter2' });
  logger.child({ commandId: 'c2' }).warn('directory said Hunter2-Hunter2 is in history', { bind: { bindPassword: 'svc-pw' } });
  logger.debug('not at info level');
  await closeLogger(logger);

  const lines = (await readFile(join(dir, LOG_FILE_NAME), 'utf8'))
    .trim()
    .split('\n')
    .map((l): unknown => JSON.parse(l));
  t.deepEqual(lines, [
    { level: 'info', message: 'reset applied', commandId: 'c1', dn: 'CN=alice', newPassword: '[REDACTED]', timestamp: '2026-11-21T20:00:00.000Z' },
    { level: 'warn', message: 'directory said [REDACTED] is in history', commandId: 'c2', bind: { bindPassword: '[REDACTED]' }, timestamp: '2026-11-21T20:00:00.000Z' },
  ]);
  t.regex(consoleText(), /^2026-11-21T20:00:00\.000Z info {2}reset applied \{"commandId":"c1"/m);
  t.false(consoleText().includes('Hunter2'));
  t.false(consoleText().includes('svc-pw'));
  t.false(consoleText().includes('not at info level'));
});

test('rotates files by size and keeps at most maxFiles', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-log-'));
  const logger = createLogger({ level: 'info', dir, maxFileBytes: 4096, maxFiles: 3, console: false, now });
  for (let i = 0; i < 200; i++) {
    logger.info(`line ${i} ${'x'.repeat(100)}`);
    // Let the File transport see its size between writes, as it does with real traffic.
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await closeLogger(logger);
  const files = (await readdir(dir)).sort();
  t.true(files.length > 1 && files.length <= 3, files.join(', '));
  t.true(files.includes(LOG_FILE_NAME));
});

test('a line logged after close() is dropped instead of crashing the process', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wba-log-closed-'));
  const logger = createLogger({ level: 'info', dir, maxFileBytes: 1_000_000, maxFiles: 2, console: false });
  const child = logger.child({ commandId: 'c1' });
  await closeLogger(logger);
  t.notThrows(() => {
    logger.info('late line');
    child.warn('late child line');
  });
  await closeLogger(logger);
  await rm(dir, { recursive: true, force: true });
});

async function fileLines(dir: string): Promise<string[]> {
  return (await readFile(join(dir, LOG_FILE_NAME), 'utf8')).trim().split('\n');
}

test('a secret-named field at the top of the meta is redacted even when its value is not tracked', async (t) => {
  const { dir, logger, consoleText } = await tempLogger({ console: true });
  logger.info('bound', { password: 'untracked-pw-1', apiToken: 'untracked-tok-2', mustChangePassword: true, passwordLastSet: null });
  await closeLogger(logger);
  t.deepEqual(JSON.parse((await fileLines(dir))[0]!), {
    level: 'info',
    message: 'bound',
    password: '[REDACTED]',
    apiToken: '[REDACTED]',
    mustChangePassword: true,
    passwordLastSet: null,
    timestamp: '2026-11-21T20:00:00.000Z',
  });
  t.false(consoleText().includes('untracked'));
});

test("the file line is JSON: level, message and timestamp first, then the child's fields and the line's, in their order", async (t) => {
  const { dir, logger } = await tempLogger();
  logger.child({ commandId: 'c1' }).warn('failed', { op: 'resetPassword', error: new Error('boom'), details: { z: 1, a: [{ y: 2, b: 3 }] }, big: 10n, at: new Date(0), gone: undefined });
  await closeLogger(logger);
  const line = (await fileLines(dir))[0]!;
  t.true(
    line.startsWith('{"level":"warn","message":"failed","timestamp":"2026-11-21T20:00:00.000Z","commandId":"c1","op":"resetPassword","error":{"name":"Error","message":"boom","stack":"Error: boom'),
    line,
  );
  t.true(line.endsWith('"},"details":{"z":1,"a":[{"y":2,"b":3}]},"big":"10","at":"1970-01-01T00:00:00.000Z"}'), line);
});

test("child fields sit under the line's own; level and timestamp stay the logger's and a meta message is appended", async (t) => {
  const { dir, logger } = await tempLogger();
  const child = logger.child({ directory: 'corp', commandId: 'c1' }).child({ commandId: 'c2' });
  child.info('applied', { directory: 'other', level: 'error', timestamp: 'yesterday', message: 'and more' });
  await closeLogger(logger);
  t.deepEqual(JSON.parse((await fileLines(dir))[0]!), { commandId: 'c2', directory: 'other', level: 'info', message: 'applied and more', timestamp: '2026-11-21T20:00:00.000Z' });
});

test('a line below the level is dropped before any of its fields is read', async (t) => {
  const { dir, logger } = await tempLogger();
  let read = false;
  logger.debug('resetting password', {
    get dn() {
      read = true;
      return 'CN=x';
    },
  });
  logger.info('kept');
  await closeLogger(logger);
  t.false(read);
  t.is((await fileLines(dir)).length, 1);
});

test('a burst far past back-pressure reaches the file whole and in order, with no listener warning', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-log-'));
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.name);
  process.on('warning', onWarning);
  const consoleStream = new PassThrough();
  let consoleText = '';
  consoleStream.on('data', (chunk: Buffer) => (consoleText += chunk.toString()));
  const logger = createLogger({ level: 'info', dir, maxFileBytes: 64 << 20, maxFiles: 2, console: true, consoleStream, now });
  const count = 5_000;
  for (let i = 0; i < count; i++) {
    logger.info('command finished', { commandId: `c${i}` });
    // Some lines alone in their turn of the event loop, most in large batches.
    if (i % 1000 < 3) await new Promise((resolve) => setImmediate(resolve));
  }
  await closeLogger(logger);
  await new Promise((resolve) => setImmediate(resolve));
  process.off('warning', onWarning);
  const ids = (await fileLines(dir)).map((l) => (JSON.parse(l) as { commandId: string }).commandId);
  t.is(ids.length, count);
  t.true(
    ids.every((id, i) => id === `c${i}`),
    'file lines in order',
  );
  const consoleLines = consoleText.trim().split('\n');
  t.is(consoleLines.length, count);
  t.true(
    consoleLines.every((line, i) => line === `2026-11-21T20:00:00.000Z info  command finished {"commandId":"c${i}"}`),
    'console lines in order',
  );
  t.deepEqual(warnings, []);
});

test('an Error passed as the meta keeps its message, stack and cause, as winston.log did, redacted', async (t) => {
  const { dir, logger } = await tempLogger();
  logger.redactor.track('Sup3r-secret');
  const error = new Error('bind as Sup3r-secret failed', { cause: new Error('ldap 49') });
  logger.error('could not bind', error as unknown as Record<string, unknown>);
  await closeLogger(logger);
  const line = JSON.parse((await fileLines(dir))[0]!) as Record<string, unknown>;
  t.is(line.message, 'could not bind bind as [REDACTED] failed');
  t.regex(String(line.stack), /^Error: bind as \[REDACTED\] failed/);
  t.like(line.cause, { message: 'ldap 49' });
});

test('a line is redacted when it is logged: untracking right after, before it reaches the file, does not leak', async (t) => {
  const { dir, logger, consoleText } = await tempLogger({ console: true });
  logger.redactor.track('Fleeting-Secret-77');
  logger.warn('directory said Fleeting-Secret-77 is too short', { detail: 'value Fleeting-Secret-77' });
  logger.redactor.untrack('Fleeting-Secret-77');
  await closeLogger(logger);
  const text = await readFile(join(dir, LOG_FILE_NAME), 'utf8');
  t.false(text.includes('Fleeting'));
  t.false(consoleText().includes('Fleeting'));
  t.true(text.includes('directory said [REDACTED] is too short'));
});

test('a meta field whose getter throws costs the line its fields, not the caller an exception', async (t) => {
  const { dir, logger } = await tempLogger();
  t.notThrows(() =>
    logger.info('odd meta', {
      get dn(): string {
        throw new Error('no');
      },
    }),
  );
  await closeLogger(logger);
  t.deepEqual(JSON.parse((await fileLines(dir))[0]!), { level: 'info', message: 'odd meta', timestamp: '2026-11-21T20:00:00.000Z', logError: 'the fields of this line could not be read' });
});

test('many loggers and children add no listeners to shared streams, and a line after close says nothing on stderr', async (t) => {
  const before = { error: process.stderr.listenerCount('error'), finish: process.stderr.listenerCount('finish'), drain: process.stderr.listenerCount('drain') };
  const loggers = Array.from({ length: 50 }, () => createLogger({ level: 'info', dir: null, maxFileBytes: 1 << 20, maxFiles: 2, console: true, now }));
  const { dir, logger } = await tempLogger();
  const counts = (): number[] => [
    logger.listenerCount('error'),
    logger.listenerCount('finish'),
    ...logger.transports.map((transport) => transport.listenerCount('error') + transport.listenerCount('finish')),
  ];
  const initial = counts();
  for (let i = 0; i < 1_000; i++)
    logger
      .child({ commandId: `c${i}` })
      .child({ directory: 'corp' })
      .info('command finished');
  t.deepEqual(counts(), initial);
  t.deepEqual({ error: process.stderr.listenerCount('error'), finish: process.stderr.listenerCount('finish'), drain: process.stderr.listenerCount('drain') }, before);
  await Promise.all(loggers.map((each) => closeLogger(each)));

  await closeLogger(logger);
  t.is((await fileLines(dir)).length, 1_000);
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string) => written.push(chunk) > 0;
  try {
    logger.info('late line');
    logger.child({ commandId: 'c1' }).warn('late child line', { detail: 'x' });
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.stderr.write = write;
  }
  t.deepEqual(written, []);
});
