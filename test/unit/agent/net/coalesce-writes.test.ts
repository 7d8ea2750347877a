import test from 'ava';
import { Duplex } from 'node:stream';
import { coalesceWrites } from '../../../../agent/net/coalesce-writes.js';

/** A duplex that records how its writes reach the "socket": one entry per system-call-sized batch. */
function recordingStream(): { stream: Duplex; batches: string[][] } {
  const batches: string[][] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      batches.push([chunk.toString()]);
      callback();
    },
    writev(chunks, callback) {
      batches.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      callback();
    },
  });
  return { stream, batches };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('writes of one turn of the event loop leave together, in order', async (t) => {
  const { stream, batches } = recordingStream();
  coalesceWrites(stream);
  stream.write('a');
  await Promise.resolve();
  stream.write('b');
  process.nextTick(() => stream.write('c'));
  t.deepEqual(batches, [], 'nothing leaves before the turn ends');
  await turn();
  t.deepEqual(batches, [['a', 'b', 'c']]);
});

test('writes of different turns leave separately, and write callbacks still run', async (t) => {
  const { stream, batches } = recordingStream();
  coalesceWrites(stream);
  let called = 0;
  stream.write('first', () => called++);
  await turn();
  stream.write('second', () => called++);
  await turn();
  await turn();
  t.deepEqual(batches, [['first'], ['second']]);
  t.is(called, 2);
});
