import test, { type ExecutionContext } from 'ava';
import type { Client } from 'ldapts';
import { LdapConnectionPool } from '../../agent/directory/ldap/connection-pool.js';
import { FaultResponse } from '../../directory-sim/faults.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import type { DirectorySim } from '../../directory-sim/start-directory-sim.js';
import { dnOf, startSim } from '../directory-sim/helpers/with-sim.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { withTimeout } from '../helpers/agent-environment.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { eventually } from '../helpers/eventually.js';

// The pool's failover when a DC goes away mid-operation, against two real directory-sim DCs on
// loopback. Each DC names itself in its root DSE (dnsHostName), so every answer says which one
// served it. The requests hang at the DC (its `hang` fault) until the test takes the DC away, so
// they are in flight on the pool's connections when it goes.

const DC1 = 'dc1.sim.test';
const DC2 = 'dc2.sim.test';
/** Connections the pool keeps; one more than the requests left in flight, so one stays idle. */
const POOL_SIZE = 5;
const IN_FLIGHT = 4;
/** Every wait's deadline: generous, as the tests run on a loaded machine; nothing asserts a duration. */
const DEADLINE_MS = 30_000;

function startDc(dcHostName: string, ldapsPort = 0): Promise<DirectorySim> {
  return startSim({ domain: { dcHostName }, ldapsPort });
}

/** The DC that answered, by the dnsHostName of its root DSE. */
async function answeringDc(client: Client): Promise<string> {
  const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['dnsHostName'] });
  return String(searchEntries[0]?.['dnsHostName']);
}

interface Attempt {
  client: Client;
  /** The DC that answered; null while in flight or when it failed. */
  answeredBy: string | null;
  failed: boolean;
}

/** Runs reads through the pool and records every attempt of each: the connection it was handed and what came of it. */
class Reads {
  readonly attempts: Attempt[] = [];
  /** Attempts handed a connection on which an earlier attempt had already failed. */
  handedBroken = 0;

  constructor(private readonly pool: LdapConnectionPool) {}

  read(): Promise<string> {
    return this.pool.withClient(
      async (client) => {
        if (this.attempts.some((a) => a.client === client && a.failed)) this.handedBroken += 1;
        const attempt: Attempt = { client, answeredBy: null, failed: false };
        this.attempts.push(attempt);
        try {
          attempt.answeredBy = await answeringDc(client);
          return attempt.answeredBy;
        } catch (error) {
          attempt.failed = true;
          throw error;
        }
      },
      { idempotent: true },
    );
  }

  /** Runs `count` reads at once and waits for every answer. */
  async all(count: number, what: string): Promise<string[]> {
    return withTimeout(Promise.all(Array.from({ length: count }, () => this.read())), DEADLINE_MS, what);
  }
}

function searchesSeenBy(dc: DirectorySim): number {
  return dc.opLog.requests()['search'] ?? 0;
}

/**
 * Leaves IN_FLIGHT reads hanging at `dc`, takes the DC away with `cut` once every one is in flight
 * (the first on each connection received by the DC, those behind it queued there), and returns
 * how every read ended and the attempts made from the cut on.
 */
async function cutMidOperation(dc: DirectorySim, reads: Reads, cut: () => Promise<void> | void): Promise<{ results: PromiseSettledResult<string>[]; afterCut: Attempt[] }> {
  const seen = searchesSeenBy(dc);
  const started = reads.attempts.length;
  dc.faults.respond('search', FaultResponse.hang);
  const pending = Array.from({ length: IN_FLIGHT }, () => reads.read());
  await eventually(
    () => {
      const inFlight = reads.attempts.slice(started);
      return inFlight.length === IN_FLIGHT && searchesSeenBy(dc) - seen === new Set(inFlight.map((a) => a.client)).size;
    },
    { timeoutMs: DEADLINE_MS, what: `${IN_FLIGHT} reads in flight at ${dc.domain.dcHostName}` },
  );
  const cutAt = reads.attempts.length;
  dc.faults.clear();
  await cut();
  const results = await withTimeout(Promise.allSettled(pending), DEADLINE_MS, 'the reads in flight to end');
  return { results, afterCut: reads.attempts.slice(cutAt) };
}

const outcomes = (results: PromiseSettledResult<string>[]): string[] => results.map((r) => (r.status === 'fulfilled' ? r.value : `failed: ${String(r.reason)}`));
const all = (dc: string): string[] => Array.from({ length: IN_FLIGHT }, () => dc);

/** Two DCs and a pool over both, the first preferred. */
async function twoDcsAndAPool(t: ExecutionContext) {
  // Not a port of the kernel's choosing: the first DC is started again on it, and another test's
  // listen(0) or outgoing connection could take one from the ephemeral range while it is down.
  const dc1 = await startDc(DC1, await freePort());
  const dc2 = await startDc(DC2);
  const logger = captureLogger();
  const pool = new LdapConnectionPool({
    urls: [dc1.ldapsUrl!, dc2.ldapsUrl!],
    tls: { caFile: dc1.caFile!, startTls: false },
    // Bounds each request; far above the time the test needs to take a DC away, so no read times out first.
    timeoutMs: 15_000,
    bindDn: dnOf(dc1, 'svcWriteback'),
    bindPassword: SeededAccount.svcWriteback.password,
    size: POOL_SIZE,
    logger,
  });
  const state = { dc1, dc2 };
  t.teardown(async () => {
    await pool.close();
    await Promise.all([state.dc1.stop(), state.dc2.stop()]);
  });
  return { state, pool, logger };
}

/** The same, the pool holding POOL_SIZE connections to the first. */
async function twoDcsAndAWarmPool(t: ExecutionContext) {
  const { state, pool, logger } = await twoDcsAndAPool(t);
  const reads = new Reads(pool);
  // POOL_SIZE reads at once on an empty pool: each opens a connection of its own.
  const warm = await reads.all(POOL_SIZE, 'the pool to open its connections');
  const firstDcClients = new Set(reads.attempts.map((a) => a.client));
  return { state, pool, logger, reads, warm, firstDcClients };
}

test('the first DC goes away mid-operation: every read in flight is retried once on the second DC, never on a connection to the first', async (t) => {
  const { state, pool, logger, reads, warm, firstDcClients } = await twoDcsAndAWarmPool(t);
  t.deepEqual(
    warm,
    Array.from({ length: POOL_SIZE }, () => DC1),
  );
  t.is(firstDcClients.size, POOL_SIZE, 'the pool holds POOL_SIZE connections to the first DC');
  t.is(state.dc1.opLog.requests()['bind'], POOL_SIZE);

  const { results, afterCut } = await cutMidOperation(state.dc1, reads, () => state.dc1.stop());

  const failed = reads.attempts.filter((a) => a.failed);
  t.is(failed.length, IN_FLIGHT, 'only the reads in flight at the first DC failed, each once');
  t.true(
    failed.every((a) => firstDcClients.has(a.client)),
    'each on its connection to the first DC',
  );
  t.is(reads.handedBroken, 0, 'no attempt was handed a connection already seen failing');
  t.is(afterCut.filter((a) => firstDcClients.has(a.client)).length, 0, 'no retry was handed a connection to the DC that went away (the idle one included)');
  t.deepEqual(outcomes(results), all(DC2));
  t.deepEqual(
    afterCut.map((a) => a.answeredBy),
    all(DC2),
  );
  t.is(pool.activeUrl, state.dc2.ldapsUrl!);
  t.true(logger.lines.some((l) => l.message.includes('failover') && l.meta?.['url'] === state.dc2.ldapsUrl));
  t.is(logger.lines.filter((l) => l.message.includes('retrying once') && l.meta?.['url'] === state.dc1.ldapsUrl).length, IN_FLIGHT);
});

test('when the first DC is back, the pool stays on the second while it answers, and fails back to the first when the second goes away', async (t) => {
  const { state, pool, logger, reads } = await twoDcsAndAWarmPool(t);
  const firstUrl = state.dc1.ldapsUrl!;
  const failover = await cutMidOperation(state.dc1, reads, () => state.dc1.stop());
  t.deepEqual(outcomes(failover.results), all(DC2));

  // The first DC back on its port, as after a restart. The second still answers, so it stays the
  // one new connections try first: the second's connections cut mid-operation are replaced by new
  // ones to the second, and the first sees nothing.
  state.dc1 = await startDc(DC1, state.dc1.ldapsPort);
  t.is(state.dc1.ldapsUrl, firstUrl);
  const stay = await cutMidOperation(state.dc2, reads, () => state.dc2.dropConnections());
  t.deepEqual(outcomes(stay.results), all(DC2));
  t.deepEqual(
    stay.afterCut.map((a) => a.answeredBy),
    all(DC2),
    'each read failed once (its connection cut) and its retry was answered by the second DC',
  );
  t.deepEqual(state.dc1.opLog.requests(), {}, 'no connection to the first DC while the second answers');
  t.is(pool.activeUrl, state.dc2.ldapsUrl!);

  // The second goes away: the reads in flight on it fail over to the first, back in service.
  const failback = await cutMidOperation(state.dc2, reads, () => state.dc2.stop());
  t.deepEqual(outcomes(failback.results), all(DC1));
  t.deepEqual(
    failback.afterCut.map((a) => a.answeredBy),
    all(DC1),
  );
  t.is(pool.activeUrl, firstUrl);
  t.true(logger.lines.some((l) => l.message.includes('failover') && l.meta?.['url'] === firstUrl));
  t.is(reads.attempts.filter((a) => a.failed).length, 3 * IN_FLIGHT, 'every read in flight at a cut failed once, and no other attempt failed');
  t.is(reads.handedBroken, 0, 'no attempt was handed a connection already seen failing');
});

test('a user bind in flight when the first DC goes away is bound again on the second, not on another kept connection to the first', async (t) => {
  const { state, pool } = await twoDcsAndAPool(t);
  const bob = { dn: dnOf(state.dc1, 'bob'), password: SeededAccount.bob.password };
  const boundOn: Client[] = [];
  const asBob = () =>
    pool.withUserBind(bob, (client) => {
      boundOn.push(client);
      return answeringDc(client);
    });
  // POOL_SIZE user binds at once: each opens a user connection of its own, then all are kept idle.
  t.deepEqual(
    await withTimeout(Promise.all(Array.from({ length: POOL_SIZE }, asBob)), DEADLINE_MS, 'the user connections to open'),
    Array.from({ length: POOL_SIZE }, () => DC1),
  );
  const kept = new Set(boundOn.splice(0));
  t.is(kept.size, POOL_SIZE);

  const bindsAtFirst = state.dc1.opLog.requests()['bind'];
  state.dc1.faults.respond('bind', FaultResponse.hang);
  const pending = asBob();
  await eventually(() => state.dc1.opLog.requests()['bind'] === (bindsAtFirst ?? 0) + 1, { timeoutMs: DEADLINE_MS, what: 'the user bind in flight at the first DC' });
  state.dc1.faults.clear();
  await state.dc1.stop();

  const [result] = await withTimeout(Promise.allSettled([pending]), DEADLINE_MS, 'the user bind to end');
  t.deepEqual(outcomes([result]), [DC2]);
  t.is(boundOn.length, 1);
  t.false(kept.has(boundOn[0]!), 'bound on a new connection, not on one kept to the first DC');
  // One bind at the second: the retry, on a connection of its own.
  t.is(state.dc2.opLog.requests()['bind'], 1);
  t.is(pool.activeUrl, state.dc2.ldapsUrl!);
});
