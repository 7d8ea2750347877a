import test from 'ava';
import { RateLimiter } from '../../../../agent/policy/rate-limit.js';

function clock(): { now: () => Date; advance: (ms: number) => void } {
  let t = Date.parse('2026-11-21T20:00:00.000Z');
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

test('allows up to the limit per key, then answers retryAfter as RFC 3339', (t) => {
  const c = clock();
  const limiter = new RateLimiter({ limit: 3, windowMs: 60_000, now: c.now });
  t.true(limiter.take('corp\ncn=alice').allowed);
  c.advance(10_000);
  t.true(limiter.take('corp\ncn=alice').allowed);
  t.true(limiter.take('corp\ncn=alice').allowed);
  t.true(limiter.take('corp\ncn=bob').allowed, 'other targets are independent');
  c.advance(5_000);
  t.deepEqual(limiter.take('corp\ncn=alice'), { allowed: false, retryAfter: '2026-11-21T20:01:00.000Z', retryAfterMs: 45_000 });
});

test('the window slides: each old event frees one slot as it leaves, refusals are not counted', (t) => {
  const c = clock();
  const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, now: c.now });
  limiter.take('k');
  c.advance(30_000);
  limiter.take('k');
  for (let i = 0; i < 5; i++) t.false(limiter.take('k').allowed);
  c.advance(30_000);
  t.true(limiter.peek('k').allowed, 'the first event left the window at exactly 60 s');
  t.true(limiter.take('k').allowed);
  t.like(limiter.take('k'), { allowed: false, retryAfter: '2026-11-21T20:01:30.000Z' });
});

test('sweep forgets idle keys', (t) => {
  const c = clock();
  const limiter = new RateLimiter({ limit: 1, now: c.now });
  limiter.take('a');
  limiter.take('b');
  t.is(limiter.size, 2);
  c.advance(61_000);
  limiter.sweep();
  t.is(limiter.size, 0);
});

test('rejects a limit that is not a positive integer', (t) => {
  t.throws(() => new RateLimiter({ limit: 0 }), { instanceOf: RangeError });
});
