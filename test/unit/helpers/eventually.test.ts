import test from 'ava';
import { eventually } from '../../helpers/eventually.js';

test('resolves as soon as the condition holds, checking again at each interval', async (t) => {
  let checks = 0;
  await eventually(() => ++checks === 3, { timeoutMs: 1_000, what: 'the third check', intervalMs: 1 });
  t.is(checks, 3);
});

test('awaits an asynchronous condition', async (t) => {
  let checks = 0;
  await eventually(async () => Promise.resolve(++checks > 1), { timeoutMs: 1_000, what: 'the second check', intervalMs: 1 });
  t.is(checks, 2);
});

test('fails with what it waited for once the time is up, instead of hanging', async (t) => {
  const started = Date.now();
  await t.throwsAsync(
    eventually(() => false, { timeoutMs: 50, what: 'something that never happens' }),
    { message: 'timed out after 50 ms waiting for something that never happens' },
  );
  t.true(Date.now() - started < 1_000);
});
