import test from 'ava';
import { pipelineHarness } from '../../../helpers/pipeline-harness.js';

// Issue 24, item 8: signed commands beyond maxInFlight are answered BUSY, not queued without bound.

test('commands beyond maxInFlight are answered BUSY at once; those within run', async (t) => {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const harness = pipelineHarness({
    maxInFlight: 2,
    // Lookups wait, so the first commands stay in flight.
    resolveUser: async (events, user) => {
      events.push('lookup');
      await held;
      return user;
    },
  });
  const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444'];
  ids.forEach((id, i) => harness.pipeline.handleFrame(harness.frameFor(id, `user${i}`)));
  const deadline = Date.now() + 5_000;
  while (harness.results().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const busy = harness.results();
  t.deepEqual(busy.map((r) => r.result.commandId).sort(), ids.slice(2).sort());
  t.true(busy.every((r) => r.result.code === 'BUSY' && r.result.status === 'rejected'));
  release();
  t.true(await harness.pipeline.drain(5_000));
  t.deepEqual(
    harness
      .results()
      .slice(2)
      .map((r) => r.result.code),
    ['OK', 'OK'],
  );
});
