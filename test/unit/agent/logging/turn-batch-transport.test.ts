import test from 'ava';
import winston from 'winston';
import TransportStream from 'winston-transport';
import { TurnBatchTransport } from '../../../../agent/logging/turn-batch-transport.js';

const MESSAGE = Symbol.for('message');

/** A target transport that keeps each entry it is given, and fails the ones containing "fail". */
class RecordingTarget extends TransportStream {
  readonly entries: string[] = [];

  override log(info: Record<symbol, string>, next: () => void): void {
    const entry = info[MESSAGE]!;
    this.entries.push(entry);
    if (entry.includes('fail')) this.emit('error', new Error('disk full'));
    next();
  }
}

function loggerWith(target: RecordingTarget): winston.Logger {
  return winston.createLogger({ level: 'info', format: winston.format.printf((info) => String(info.message)), transports: [new TurnBatchTransport(target)] });
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("the lines of one turn reach the target as one entry, the next turn's as another", async (t) => {
  const target = new RecordingTarget();
  const logger = loggerWith(target);
  logger.info('one');
  logger.info('two');
  logger.warn('three');
  t.deepEqual(target.entries, [], 'nothing before the end of the turn');
  await nextTurn();
  logger.info('four');
  await nextTurn();
  t.deepEqual(target.entries, ['one\ntwo\nthree', 'four']);
});

test("a target's error comes out as the logger's 'warn' and logging goes on, the level still applied", async (t) => {
  const target = new RecordingTarget();
  const logger = loggerWith(target);
  const warnings: string[] = [];
  logger.on('warn', (error: Error) => warnings.push(error.message));
  logger.info('this will fail');
  await nextTurn();
  logger.debug('below the level');
  logger.info('still logging');
  await nextTurn();
  t.deepEqual(warnings, ['disk full']);
  t.is(logger.transports.length, 1);
  t.deepEqual(target.entries, ['this will fail', 'still logging']);
});

test('ending the logger writes what is pending, then ends the target', async (t) => {
  const target = new RecordingTarget();
  const logger = loggerWith(target);
  const targetFinished = new Promise<string[]>((resolve) => target.once('finish', () => resolve([...target.entries])));
  const finished = new Promise<void>((resolve) => logger.once('finish', () => resolve()));
  logger.info('last words');
  logger.end();
  await finished;
  t.deepEqual(await targetFinished, ['last words'], 'the target finished, after the last entry');
});
