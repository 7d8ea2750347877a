import test from 'ava';
import { fullCollector, releaseStartupMemory, scheduleGarbageCollection } from '../../../../agent/runtime/garbage-collection.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a full collector is available without --expose-gc, and it frees memory', (t) => {
  const gc = fullCollector();
  if (gc === null) return t.fail('no collector: V8 refused --expose-gc at run time');
  let garbage: object[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i }));
  const before = process.memoryUsage().heapUsed;
  garbage = null;
  gc();
  t.is(garbage, null);
  t.true(process.memoryUsage().heapUsed < before, 'the heap shrank');
});

test('collects only after enough commands finished since the last time; an idle agent is left alone', async (t) => {
  let commands = 0;
  let collections = 0;
  const stop = scheduleGarbageCollection({ everyMs: 20, afterCommands: 100, commands: () => commands, collect: () => collections++ });
  t.teardown(stop);
  await sleep(100);
  t.is(collections, 0, 'idle');
  commands += 150;
  await sleep(60);
  t.is(collections, 1);
  commands += 50;
  await sleep(60);
  t.is(collections, 1, 'not enough since the last one');
  stop();
  commands += 500;
  await sleep(60);
  t.is(collections, 1, 'stopped');
});

test('releaseStartupMemory gives committed heap back, not only garbage', (t) => {
  let garbage: object[] | null = Array.from({ length: 300_000 }, (_, i) => ({ i, text: `value ${i}` }));
  const grown = process.memoryUsage().heapTotal;
  garbage = null;
  releaseStartupMemory();
  t.is(garbage, null);
  const after = process.memoryUsage().heapTotal;
  t.true(after < grown, `heapTotal ${grown} -> ${after}`);
});
