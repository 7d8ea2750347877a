import test from 'ava';
import { DEFAULT_BACKOFF, backoffDelay, maxAttempt, nextAttempt } from '../../../../agent/connection/backoff.js';

test('the delay ceiling doubles from 1 s and is capped at 60 s', (t) => {
  const top = () => 0.999999;
  t.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 50].map((attempt) => Math.round(backoffDelay(attempt, top) / 1000)),
    [1, 2, 4, 8, 16, 32, 60, 60, 60],
  );
});

test('full jitter: the delay is uniform between zero and the ceiling', (t) => {
  t.is(
    backoffDelay(3, () => 0),
    0,
  );
  t.is(
    backoffDelay(3, () => 0.5),
    4000,
  );
});

test('the attempt count resets after a connection stayed up 60 s, else grows', (t) => {
  t.is(nextAttempt(5, 60_000), 0);
  t.is(nextAttempt(5, 59_999), 6);
  t.is(
    backoffDelay(maxAttempt(), () => 0.999999),
    DEFAULT_BACKOFF.maxMs - 1,
  );
});
