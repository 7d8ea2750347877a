import { spawnSync } from 'node:child_process';
import { mock } from 'node:test';
import test from 'ava';
import { CollectionPolicy, fullCollector, scheduleGarbageCollection } from '../../../../agent/runtime/garbage-collection.js';

const MODULE = new URL('../../../../agent/runtime/garbage-collection.ts', import.meta.url).href;

/** Runs `body` (an ES module body with `m`, the garbage-collection module) in a node with the given flags; its stdout. */
function inNode(flags: string[], body: string): { stdout: string; stderr: string } {
  const code = `const m = await import(${JSON.stringify(MODULE)});\n${body}`;
  return spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
}

test("under --expose-gc (the service's node flags) the full collector is there, and it frees memory", (t) => {
  const { stdout, stderr } = inNode(
    ['--expose-gc'],
    `
    const gc = m.fullCollector();
    let garbage = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    const before = process.memoryUsage().heapUsed;
    garbage = null;
    gc?.();
    process.stdout.write(JSON.stringify({ collector: typeof gc, shrank: process.memoryUsage().heapUsed < before, garbage }));`,
  );
  t.deepEqual(JSON.parse(stdout || '{}'), { collector: 'function', shrank: true, garbage: null }, stderr);
});

test('without --expose-gc there is no collector: the agent sets no V8 flag at run time', (t) => {
  const { stdout, stderr } = inNode([], 'process.stdout.write(String(m.fullCollector()));');
  t.is(stdout, 'null', stderr);
  t.is(fullCollector(), null, 'nor in the test worker');
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

test('the schedule runs the collector on a timer, counts growth from where a collection left RSS, and stops', (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.teardown(() => mock.timers.reset());
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
  mock.timers.tick(10);
  t.deepEqual(kinds, ['full'], '20 MB grown while commands flow');
  // The collection left RSS at 110 MB: back at 120 is 10 MB of growth, not 20.
  rss = 120 * MB;
  mock.timers.tick(100);
  t.deepEqual(kinds, ['full'], 'growth counts from where the collection left RSS');
  flowing = false;
  mock.timers.tick(10);
  t.deepEqual(kinds, ['full', 'last-resort'], 'commands stopped: one memory-reducing collection');
  mock.timers.tick(100);
  t.deepEqual(kinds, ['full', 'last-resort'], 'an idle agent is left alone');
  stop();
  flowing = true;
  rss = 500 * MB;
  mock.timers.tick(100);
  t.is(kinds.length, 2, 'stopped');
});

test('releaseStartupMemory gives committed heap back, not only garbage', (t) => {
  const { stdout, stderr } = inNode(
    ['--expose-gc'],
    `
    let garbage = Array.from({ length: 300_000 }, (_, i) => ({ i, text: 'value ' + i }));
    const grown = process.memoryUsage().heapTotal;
    garbage = null;
    m.releaseStartupMemory();
    process.stdout.write(JSON.stringify({ grown, after: process.memoryUsage().heapTotal, garbage }));`,
  );
  const { grown, after, garbage } = JSON.parse(stdout || '{}') as { grown: number; after: number; garbage: null };
  t.is(garbage, null, stderr);
  t.true(after < grown, `heapTotal ${grown} -> ${after}`);
});
