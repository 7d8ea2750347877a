import test from 'ava';
import { CollectionPolicy, fullCollector, releaseStartupMemory, scheduleGarbageCollection } from '../../../../agent/runtime/garbage-collection.js';

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

test('collects after enough commands since the last time, reduces memory once when they stop, leaves an idle agent alone', (t) => {
  const policy = new CollectionPolicy(100, 0);
  t.is(policy.decide(0), null, 'idle from the start: nothing to give back');
  t.is(policy.decide(0), null);
  t.is(policy.decide(60), null, 'commands flow, not enough yet');
  t.is(policy.decide(150), 'full');
  t.is(policy.decide(180), null, 'still flowing');
  t.is(policy.decide(180), 'reduce', 'stopped: give memory back once');
  t.is(policy.decide(180), null, 'and not again while idle');
  t.is(policy.decide(190), null);
  t.is(policy.decide(190), 'reduce', 'a few more, then idle again');
});

test('the schedule runs the collector on a timer and stops', async (t) => {
  let commands = 0;
  const kinds: string[] = [];
  const stop = scheduleGarbageCollection({ everyMs: 10, afterCommands: 100, commands: () => commands, collect: (options) => kinds.push(options?.flavor ?? 'full') });
  commands = 150;
  for (let waited = 0; kinds.length < 2 && waited < 5_000; waited += 10) await sleep(10);
  stop();
  t.deepEqual(kinds.slice(0, 2), ['full', 'last-resort']);
  const count = kinds.length;
  commands = 1_000;
  await sleep(50);
  t.is(kinds.length, count, 'stopped');
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
