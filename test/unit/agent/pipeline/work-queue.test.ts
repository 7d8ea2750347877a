import test from 'ava';
import { WorkQueue } from '../../../../agent/pipeline/work-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('tasks of one key run one after another in arrival order', async (t) => {
  const queue = new WorkQueue(8);
  const order: string[] = [];
  const gate = deferred();
  const first = queue.run('alice', async () => {
    await gate.promise;
    order.push('first');
  });
  const second = queue.run('alice', () => {
    order.push('second');
    return Promise.resolve();
  });
  await new Promise((r) => setImmediate(r));
  t.deepEqual(order, []);
  gate.resolve();
  await Promise.all([first, second]);
  t.deepEqual(order, ['first', 'second']);
});

test('different keys run concurrently, never more than the limit', async (t) => {
  const queue = new WorkQueue(3);
  let running = 0;
  let peak = 0;
  const tasks = Array.from({ length: 12 }, (_, i) =>
    queue.run(`user${i}`, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    }),
  );
  await Promise.all(tasks);
  t.is(peak, 3);
  await queue.idle();
});

test('a failing task does not block the next one of its key', async (t) => {
  const queue = new WorkQueue(1);
  await t.throwsAsync(queue.run('k', () => Promise.reject(new Error('boom'))));
  t.is(await queue.run('k', () => Promise.resolve(42)), 42);
});
