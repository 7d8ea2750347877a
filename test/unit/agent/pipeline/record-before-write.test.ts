import test from 'ava';
import { pipelineHarness } from '../../../helpers/pipeline-harness.js';

/**
 * The pipeline starts a command's checks while its journal record is still being made durable
 * (issue 9: one fsync fewer on the path of every command). What must still hold, with in-memory
 * ports standing in for the disk and the directory: nothing is written to the directory and no
 * result is sent before the record is durable, and a command that cannot be recorded gets no
 * ack, no result and no write (the service redelivers it).
 */

test('the lookup may run while the record is being made durable; the write and the result wait for it', async (t) => {
  const { pipeline, frame, events, sent } = pipelineHarness();
  pipeline.handleFrame(frame);
  t.true(await pipeline.drain(5_000));
  t.log(events);
  t.true(events.indexOf('lookup') < events.indexOf('begin durable'), 'checks overlap the fsync');
  t.true(events.indexOf('begin durable') < events.indexOf('sent ack'));
  t.true(events.indexOf('begin durable') < events.indexOf('directory write'));
  t.true(events.indexOf('sent ack') < events.indexOf('sent result'));
  t.deepEqual(
    sent.map((m) => m.type),
    ['ack', 'result'],
  );
});

test('a command that cannot be recorded gets no ack, no result and no directory write', async (t) => {
  const { pipeline, frame, events, sent } = pipelineHarness({ begin: 'fails' });
  pipeline.handleFrame(frame);
  t.true(await pipeline.drain(5_000));
  t.log(events);
  t.true(events.includes('begin failed'));
  t.false(events.includes('directory write'));
  t.deepEqual(sent, []);
  t.is(pipeline.inFlight, 0);
});
