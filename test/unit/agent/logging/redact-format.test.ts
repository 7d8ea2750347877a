import { PassThrough } from 'node:stream';
import test from 'ava';
import winston from 'winston';
import { redactSecrets } from '../../../../agent/logging/redact-format.js';
import { Redactor } from '../../../../agent/logging/redactor.js';

const SECRET = 'Tr4cked-Secret!';

/** A plain winston logger (no agent code but the format) whose JSON lines are kept. */
function plainLogger(redactor: Redactor, format = winston.format.json()): { logger: winston.Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = winston.createLogger({ level: 'info', format: winston.format.combine(redactSecrets(redactor), format), transports: [new winston.transports.Stream({ stream })] });
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

test('as a plain winston format it keeps secrets out of the message, the fields, nested errors and an Error logged alone', (t) => {
  const redactor = new Redactor();
  redactor.track(SECRET);
  const { logger, lines, text } = plainLogger(redactor);
  const meta = { bindPassword: 'untracked-pw-1', detail: `value ${SECRET}`, nested: { apiToken: 'untracked-tok-2', mustChangePassword: true } };
  logger.info(`bind as ${SECRET} failed`);
  logger.info('bound', meta);
  logger.warn('failed', { error: new Error(`${SECRET} rejected`, { cause: new Error(`inner ${SECRET}`) }) });
  logger.error(new Error(`alone ${SECRET}`));
  logger.error('could not bind', new Error(`as meta ${SECRET}`));
  logger.child({ token: 'child-token-3' }).info('child line');

  for (const leaked of [SECRET, 'untracked-pw-1', 'untracked-tok-2', 'child-token-3']) t.false(text().includes(leaked), leaked);
  const [message, fields, nested, alone, asMeta, child] = lines();
  t.like(message, { level: 'info', message: 'bind as [REDACTED] failed' });
  t.like(fields, { message: 'bound', bindPassword: '[REDACTED]', detail: 'value [REDACTED]', nested: { apiToken: '[REDACTED]', mustChangePassword: true } });
  t.like(nested, { error: { name: 'Error', message: '[REDACTED] rejected', cause: { message: 'inner [REDACTED]' } } });
  t.regex(String((nested!.error as { stack: string }).stack), /^Error: \[REDACTED\] rejected\n/);
  t.like(alone, { level: 'error', message: 'alone [REDACTED]' });
  t.regex(String(alone!.stack), /^Error: alone \[REDACTED\]\n/);
  t.like(asMeta, { message: 'could not bind as meta [REDACTED]' });
  t.regex(String(asMeta!.stack), /^Error: as meta \[REDACTED\]\n/);
  t.like(child, { message: 'child line', token: '[REDACTED]' });
  // The caller's objects are copied, never changed.
  t.is(meta.bindPassword, 'untracked-pw-1');
  t.is(meta.nested.apiToken, 'untracked-tok-2');
});

test("the call's raw arguments are not passed on, so a later splat format has no secret to put in", (t) => {
  const redactor = new Redactor();
  redactor.track(SECRET);
  const { logger, lines, text } = plainLogger(redactor, winston.format.combine(winston.format.splat(), winston.format.json()));
  logger.info('password %s', SECRET);
  t.false(text().includes(SECRET));
  t.like(lines()[0], { message: 'password %s' });
});

test('a field whose getter throws costs the line its fields, not the caller an exception', (t) => {
  const { logger, lines } = plainLogger(new Redactor());
  t.notThrows(() =>
    logger.info('odd', {
      nested: {
        get dn(): string {
          throw new Error('no');
        },
      },
    }),
  );
  t.like(lines()[0], { message: 'odd', logError: 'the fields of this line could not be read' });
});
