import test from 'ava';
import type { DirectoryUser } from '../../../../agent/directory/driver.js';
import { pipelineHarness } from '../../../helpers/pipeline-harness.js';

// Issue 24, item 10: an expired command that was mid-write when the agent stopped is probed (a bind
// with the new password) only on an account the agent may change: scope and protection come first.

const ID = '55555555-5555-4555-8555-555555555555';

async function probeOf(user: (found: DirectoryUser) => DirectoryUser): Promise<{ events: string[]; code: string | undefined }> {
  const harness = pipelineHarness({ inFlight: [ID], resolveUser: (events, found) => (events.push('lookup'), Promise.resolve(user(found))) });
  harness.pipeline.handleFrame(harness.frameFor(ID, 'bob', { expired: true }));
  const deadline = Date.now() + 5_000;
  while (harness.results().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return { events: harness.events, code: harness.results()[0]?.result.code };
}

test('an out-of-scope account is not probed: EXPIRED without a bind', async (t) => {
  const { events, code } = await probeOf((found) => ({ ...found, dn: 'uid=root,ou=admins,dc=example,dc=org' }));
  t.is(code, 'EXPIRED');
  t.false(events.includes('probe bind'), events.join(', '));
});

test('a protected account is not probed: EXPIRED without a bind', async (t) => {
  const { events, code } = await probeOf((found) => ({ ...found, protectedReason: 'member of cn=admins' }));
  t.is(code, 'EXPIRED');
  t.false(events.includes('probe bind'), events.join(', '));
});

test('an ordinary account in scope is still probed', async (t) => {
  const { events, code } = await probeOf((found) => found);
  t.is(code, 'EXPIRED');
  t.true(events.includes('probe bind'), events.join(', '));
});
