import test from 'ava';
import { eventually } from '../../../helpers/eventually.js';
import { pipelineHarness } from '../../../helpers/pipeline-harness.js';

// Issue 24, item 4: a frame that fails authentication is answered only for a well-formed id,
// and the answer says it came before authentication.

function forged(frame: Record<string, never>, id: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(frame)) as { command: Record<string, unknown>; signature: string };
  copy.command['id'] = id;
  return copy;
}

test('an unsigned frame with a UUID id gets a refusal marked preAuthentication', async (t) => {
  const harness = pipelineHarness();
  harness.pipeline.handleFrame(forged(harness.frame, '0b7d2f7e-1111-4222-8333-944455556666') as never);
  t.true(await harness.pipeline.drain(5_000));
  const [result] = harness.results();
  t.is(result?.result.commandId, '0b7d2f7e-1111-4222-8333-944455556666');
  t.is(result?.result.code, 'INVALID_SIGNATURE');
  t.is(result?.result.details['preAuthentication'], true);
});

test('an id that is not a UUID, however long, gets no answer at all', async (t) => {
  const { pipeline, frame, sent } = pipelineHarness();
  for (const id of ['x'.repeat(64), 'not-a-uuid', '', '0b7d2f7e-1111-4222-8333-94445555666g']) pipeline.handleFrame(forged(frame, id) as never);
  t.true(await pipeline.drain(5_000));
  t.deepEqual(sent, []);
});

test('a forged frame naming a real command id the journal holds gets no answer: the real result stands', async (t) => {
  const harness = pipelineHarness();
  const { pipeline, frame, sent } = harness;
  pipeline.handleFrame(frame);
  // Polled, not drain(): drain() would stop the pipeline taking frames.
  await eventually(() => harness.results().length === 1, { timeoutMs: 5_000, intervalMs: 10, what: "the real command's result" });
  const before = sent.length;
  // The real id with other content: the signature no longer verifies.
  const tampered = JSON.parse(JSON.stringify(frame)) as { command: { target: { value: string } } };
  tampered.command.target.value = 'mallory';
  pipeline.handleFrame(tampered);
  t.true(await pipeline.drain(5_000));
  t.is(sent.length, before, JSON.stringify(sent.slice(before)));
});
