import { PassThrough } from 'node:stream';
import test from 'ava';
import { jsonLineLogger } from '../../service/logger.js';

test('writes one JSON object per line, time first, and drops lines below the level', async (t) => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = jsonLineLogger('info', stream);
  logger.debug('not at info level', { agentId: 'a0' });
  logger.info('agent connected', { agentId: 'a1', tenantId: 't1' });
  logger.warn('refused');
  await new Promise((resolve) => setImmediate(resolve));
  const lines = text.trim().split('\n');
  t.is(lines.length, 2, text);
  t.regex(lines[0]!, /^\{"time":"\d{4}-\d\d-\d\dT[^"]+Z","level":"info","message":"agent connected","agentId":"a1","tenantId":"t1"\}$/);
  t.like(JSON.parse(lines[1]!), { level: 'warn', message: 'refused' });
});

test('a field holding a BigInt or a circular object is rendered, never thrown from the log call', async (t) => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = jsonLineLogger('info', stream);
  const circular: Record<string, unknown> = { name: 'loop' };
  circular['self'] = circular;
  const shared = { id: 's' };
  t.notThrows(() => logger.info('big', { rows: 12345678901234567890n }));
  t.notThrows(() => logger.warn('loop', { state: circular, twice: [shared, shared] }));
  await new Promise((resolve) => setImmediate(resolve));
  const lines = text.trim().split('\n');
  t.is(lines.length, 2, text);
  t.like(JSON.parse(lines[0]!), { level: 'info', message: 'big', rows: '12345678901234567890' });
  t.like(JSON.parse(lines[1]!), { level: 'warn', message: 'loop', state: { name: 'loop', self: '[Circular]' } });
  // An object met twice but not inside itself is not circular.
  t.deepEqual((JSON.parse(lines[1]!) as { twice: unknown }).twice, [{ id: 's' }, { id: 's' }]);
});
