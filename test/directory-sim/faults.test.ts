import test from 'ava';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { dnOf, failure, ldapsClient, startSim } from './helpers/with-sim.js';

test.serial('latency per operation type delays only that type', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const c = ldapsClient(sim);
  await c.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  const timed = async (operation: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    await operation();
    return performance.now() - start;
  };
  const search = (): Promise<unknown> => c.search(dnOf(sim, 'bob'), { scope: 'base', attributes: ['cn'] });
  const whoami = (): Promise<unknown> => c.exop('1.3.6.1.4.1.4203.1.11.3');
  // A latency large against scheduling noise: the cores are shared with other test workers.
  sim.faults.setLatency('search', 1500);
  const delayed = await timed(search);
  const other = await timed(whoami);
  t.true(delayed >= 1495, `search took ${delayed} ms`);
  t.true(delayed - other >= 1000, `search ${delayed} ms, extended ${other} ms`);
  sim.faults.clear();
  const cleared = await timed(search);
  t.true(delayed - cleared >= 1000, `search ${delayed} ms, then ${cleared} ms`);
  await c.unbind();
});

test('drop after N operations (once, or repeatedly), then refuse connections', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const c = ldapsClient(sim);
  sim.faults.dropAfterOperations(1);
  await c.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  const dropped = await t.throwsAsync(c.search(dnOf(sim, 'bob'), { scope: 'base' }));
  t.regex(dropped.message, /closed|reset|ECONNRESET|socket/i);
  // One-shot: the reconnecting client is served.
  const again = ldapsClient(sim);
  await again.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  await again.search(dnOf(sim, 'bob'), { scope: 'base' });
  sim.faults.dropAfterOperations(1, { repeat: true });
  await again.search(dnOf(sim, 'bob'), { scope: 'base' });
  await t.throwsAsync(again.search(dnOf(sim, 'bob'), { scope: 'base' }));
  const third = ldapsClient(sim);
  await third.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  await t.throwsAsync(third.search(dnOf(sim, 'bob'), { scope: 'base' }));
  sim.faults.clear();
  sim.faults.refuseConnections = true;
  const refused = ldapsClient(sim);
  await t.throwsAsync(refused.bind(dnOf(sim, 'bob'), SeededAccount.bob.password));
  sim.faults.clear();
  const fine = ldapsClient(sim);
  await t.notThrowsAsync(fine.bind(dnOf(sim, 'bob'), SeededAccount.bob.password));
  await fine.unbind();
});

test('busy (51), unavailable (52) and referral (10) answers', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  const c = ldapsClient(sim);
  await c.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  sim.faults.respond('search', 'busy');
  t.is((await failure(c.search(sim.baseDn, { filter: '(cn=*)' }))).code, 51);
  sim.faults.respond('search', 'unavailable');
  t.is((await failure(c.search(sim.baseDn, { filter: '(cn=*)' }))).code, 52);
  sim.faults.respond('any', 'busy');
  sim.faults.responses.delete('search');
  t.is((await failure(c.bind(dnOf(sim, 'bob'), SeededAccount.bob.password))).code, 51);
  sim.faults.clear();
  sim.faults.respond('modify', 'referral');
  const referral = await failure(c.modify(dnOf(sim, 'bob'), []));
  t.is(referral.code, 10);
  await c.unbind();
});

test('never answering: the client times out, the server stays up', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  sim.faults.respond('bind', 'hang');
  const c = ldapsClient(sim, 500);
  const start = performance.now();
  await t.throwsAsync(c.bind(dnOf(sim, 'bob'), SeededAccount.bob.password), { message: /timeout|timed out/i });
  t.true(performance.now() - start >= 450);
  sim.faults.clear();
  const fresh = ldapsClient(sim);
  await t.notThrowsAsync(fresh.bind(dnOf(sim, 'bob'), SeededAccount.bob.password));
  await fresh.unbind();
  await c.unbind().catch(() => undefined);
});

test('hostile: garbage BER, an oversized response, endless results', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  sim.faults.respond('bind', 'garbage');
  const garbage = ldapsClient(sim, 1000);
  const garbageError = await t.throwsAsync(garbage.bind(dnOf(sim, 'bob'), SeededAccount.bob.password));
  t.log(`ldapts on garbage: ${garbageError.message}`);
  await garbage.unbind().catch(() => undefined);
  sim.faults.clear();

  sim.faults.oversizedBytes = 3 * 1024 * 1024;
  sim.faults.respond('search', 'oversized');
  const big = ldapsClient(sim, 10_000);
  await big.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  const { searchEntries } = await big.search(sim.baseDn, { filter: '(cn=*)' });
  t.is(String(searchEntries[0]?.description).length, 3 * 1024 * 1024);
  await big.unbind().catch(() => undefined);
  sim.faults.respond('search', 'endless');
  const endlessClient = ldapsClient(sim, 1000);
  await endlessClient.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  await t.throwsAsync(endlessClient.search(sim.baseDn, { filter: '(cn=*)' }), { message: /timeout|timed out/i });
  await endlessClient.unbind().catch(() => undefined);
});

// Serial: the hostile test pumps megabytes through this same event loop, which would stretch the gaps.
test.serial('idle connections are closed after idleTimeoutMs, busy ones are not', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  sim.faults.idleTimeoutMs = 1000;
  const idle = ldapsClient(sim);
  await idle.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  const busy = ldapsClient(sim);
  await busy.bind(dnOf(sim, 'bob'), SeededAccount.bob.password);
  const start = performance.now();
  while (performance.now() - start < 1800) {
    await new Promise((resolve) => setTimeout(resolve, 40));
    await busy.search(dnOf(sim, 'bob'), { scope: 'base', attributes: ['cn'] });
  }
  t.false(idle.isConnected);
  t.true(busy.isConnected);
  await busy.unbind();
});
