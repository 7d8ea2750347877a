import test from 'ava';
import { Duplex } from 'node:stream';
import { coalesceWrites } from '../../../../agent/net/coalesce-writes.js';
import { pipelineHarness } from '../../../helpers/pipeline-harness.js';

/**
 * The pipeline sends the target's lookup before it opens the sealed secret, so the decryption's
 * CPU time overlaps the lookup's round trip (issue 9). What must still hold: the request is on
 * the wire before the decryption starts (LDAP sockets hold a turn's writes back until the turn
 * ends), and the outcome follows SPEC.md's order, DECRYPTION_FAILED before USER_NOT_FOUND.
 */

/** Stands in for an LDAP connection's socket: coalesced like the real ones, and logging when bytes leave. */
function ldapSocket(events: string[]): Duplex {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      events.push('request on the wire');
      callback();
    },
    writev(_chunks, callback) {
      events.push('request on the wire');
      callback();
    },
  });
  coalesceWrites(socket);
  return socket;
}

test('the lookup request leaves before the secret is opened, and the command completes', async (t) => {
  const harness = pipelineHarness({
    resolveUser: async (events, user) => {
      const socket = ldapSocket(events);
      await Promise.resolve(); // like taking a pooled connection
      socket.write('search request');
      // The round trip: the answer comes once the decryption is done (or after 2 s, when it does
      // not overlap), so a busy test machine cannot reorder the two.
      await Promise.race([harness.secretOpened, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      events.push('lookup answered');
      return user;
    },
  });
  harness.pipeline.handleFrame(harness.frame);
  t.true(await harness.pipeline.drain(5_000));
  const { events } = harness;
  t.log(events);
  t.true(events.indexOf('request on the wire') >= 0 && events.indexOf('request on the wire') < events.indexOf('secret opened'), 'the request left first');
  t.true(events.indexOf('secret opened') < events.indexOf('lookup answered'), 'the decryption ran during the round trip');
  t.true(events.indexOf('lookup answered') < events.indexOf('directory write'));
  t.deepEqual(
    harness.results().map((r) => r.result.code),
    ['OK'],
  );
});

test('a secret that cannot be opened answers DECRYPTION_FAILED even when the lookup fails too', async (t) => {
  let lookups = 0;
  const harness = pipelineHarness({
    secretForAnotherAgent: true,
    resolveUser: async () => {
      lookups++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw Object.assign(new Error('no such user'), { code: 'USER_NOT_FOUND' });
    },
  });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    harness.pipeline.handleFrame(harness.frame);
    t.true(await harness.pipeline.drain(5_000));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the lookup settles after the refusal
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  t.is(lookups, 1, 'the lookup had started');
  const [result] = harness.results();
  t.is(result?.result.code, 'DECRYPTION_FAILED');
  t.is(result?.result.status, 'rejected');
  t.false(harness.events.includes('directory write'));
  t.false(harness.events.includes('secret opened'));
  t.deepEqual(unhandled, [], 'the abandoned lookup is not an unhandled rejection');
});
