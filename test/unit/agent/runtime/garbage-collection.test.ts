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

const MB = 1024 * 1024;

test('collects when RSS has grown enough while commands flow, reduces memory once when they stop, leaves an idle agent alone', (t) => {
  const policy = new CollectionPolicy(16 * MB, 0, 100 * MB);
  t.is(policy.decide(0, 100 * MB), null, 'idle from the start: nothing to give back');
  t.is(policy.decide(0, 130 * MB), null, 'idle, even grown: only a burst that ends is given back');
  t.is(policy.decide(60, 110 * MB), null, 'commands flow, RSS grew less than the threshold');
  t.is(policy.decide(5_000, 115 * MB), null, 'however many commands: it is growth that counts');
  t.is(policy.decide(5_100, 116 * MB), 'full', '16 MB above where the last collection left it');
  policy.collected(112 * MB);
  t.is(policy.decide(5_200, 127 * MB), null, 'counted from after the collection: 15 MB');
  t.is(policy.decide(5_300, 128 * MB), 'full');
  policy.collected(128 * MB);
  t.is(policy.decide(5_300, 128 * MB), 'reduce', 'stopped: give memory back once');
  policy.collected(110 * MB);
  t.is(policy.decide(5_300, 110 * MB), null, 'and not again while idle');
  t.is(policy.decide(5_310, 111 * MB), null);
  t.is(policy.decide(5_310, 111 * MB), 'reduce', 'a few more, then idle again');
});

test('the schedule runs the collector on a timer, counts growth from where a collection left RSS, and stops', async (t) => {
  let finished = 0;
  let flowing = true;
  let rss = 100 * MB;
  const kinds: string[] = [];
  const collect = (options?: { flavor: string }): void => {
    kinds.push(options?.flavor ?? 'full');
    rss -= 10 * MB;
  };
  // Every look sees more commands finished while `flowing`.
  const commands = (): number => (flowing ? ++finished : finished);
  const stop = scheduleGarbageCollection({ everyMs: 10, afterRssGrowthBytes: 16 * MB, commands, rss: () => rss, collect });
  rss = 120 * MB;
  for (let waited = 0; kinds.length < 1 && waited < 5_000; waited += 10) await sleep(10);
  t.deepEqual(kinds, ['full'], '20 MB grown while commands flow');
  // The collection left RSS at 110 MB: back at 120 is 10 MB of growth, not 20.
  rss = 120 * MB;
  await sleep(100);
  t.deepEqual(kinds, ['full'], 'growth counts from where the collection left RSS');
  flowing = false;
  for (let waited = 0; kinds.length < 2 && waited < 5_000; waited += 10) await sleep(10);
  stop();
  t.deepEqual(kinds, ['full', 'last-resort'], 'commands stopped: one memory-reducing collection');
  const count = kinds.length;
  flowing = true;
  rss = 500 * MB;
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
