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
