import test from 'ava';
import { Attribute, Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PostgresFixture } from '../fixtures/postgres.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { apiRequest } from '../helpers/service-process.js';
import type { TcpBalancer } from '../helpers/tcp-balancer.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';

// Two `writeback-service serve` processes on one PostgreSQL database behind a TCP balancer, one
// real agent on a real slapd. Resets are submitted at the node the agent is NOT connected to;
// the node holding the agent is killed with SIGKILL mid-stream; the agent reconnects through the
// balancer to the other node. Every command ends with exactly one stored result, and slapd's
// pwdHistory shows every user's password written exactly once.

const USERS = 90;
let pg: PostgresFixture;
let slapd: SlapdFixture;
let env: ServiceEnvironment;
let balancer: TcpBalancer;
const users = Array.from({ length: USERS }, (_, i) => `multi${String(i + 1).padStart(4, '0')}`);
const passwords = new Map<string, string>();
const initial = `Initial-${randomBytes(6).toString('hex')}!1a`;
const dnOf = (uid: string): string => `uid=${uid},${slapd.layout.peopleDn}`;

test.before(async () => {
  [pg, slapd] = await Promise.all([PostgresFixture.start(), startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0, inHistory: 20 } })]);
  await slapd.asAdmin(async (client) => {
    for (const uid of users) {
      await client.add(dnOf(uid), [
        new Attribute({ type: 'objectClass', values: ['inetOrgPerson'] }),
        new Attribute({ type: 'uid', values: [uid] }),
        new Attribute({ type: 'cn', values: [uid] }),
        new Attribute({ type: 'sn', values: [uid] }),
        new Attribute({ type: 'userPassword', values: [initial] }),
      ]);
    }
  });
  env = await ServiceEnvironment.create({
    dbUrl: await pg.createDatabase('writeback'),
    nodes: 2,
    limits: { maxInFlight: 4 },
    directories: [slapdTestDirectory(slapd, { extra: { timeoutMs: 5_000 } })],
  });
  // Not ports of the kernel's choosing: node 0 is killed and the balancer keeps its port, which must stay dead.
  balancer = await env.startTwoNodesBehindBalancer([await freePort(), await freePort()]);
});

test.after.always(async () => {
  await env?.close();
  await balancer?.close();
  await slapd?.destroy();
  await pg?.destroy();
});

async function historyCounts(): Promise<Map<string, number>> {
  return slapd.asAdmin(async (client) => {
    const { searchEntries } = await client.search(slapd.layout.peopleDn, { scope: 'one', filter: '(uid=multi*)', attributes: ['uid', 'pwdHistory'] });
    const out = new Map<string, number>();
    for (const entry of searchEntries) {
      const history = entry['pwdHistory'];
      out.set(String(entry['uid']).toLowerCase(), history === undefined ? 0 : Array.isArray(history) ? history.length : 1);
    }
    return out;
  });
}

async function rows<T>(query: string): Promise<T[]> {
  return pg.withClient(async (client) => (await client.query(query)).rows as T[], 'writeback');
}

async function storedResults(): Promise<number> {
  const [row] = await rows<{ n: string }>('select count(*) as n from results');
  return Number(row?.n ?? 0);
}

test.serial('a node killed mid-stream: every command ends with exactly one stored result, no password written twice', async (t) => {
  const ids: string[] = [];
  for (const uid of users) {
    const password = `Multi-${randomBytes(6).toString('hex')}!1a`;
    passwords.set(uid, password);
    // Submitted at node 1; the agent's session is on node 0 (the balancer's first choice).
    ids.push(await env.submit({ op: 'resetPassword', target: { by: 'uid', value: uid }, params: { enforceMinimumAge: false }, newPassword: password, ttlMs: 14 * 60_000 }, 1));
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    if ((await storedResults()) >= USERS / 3) break;
    if (Date.now() > deadline) throw new Error('no progress before the kill');
    await new Promise((r) => setTimeout(r, 20));
  }
  await env.nodes[0]!.process.stop('SIGKILL');
  const atKill = await storedResults();
  t.log(`node 0 killed with ${atKill} of ${USERS} results stored`);
  t.true(atKill < USERS, 'the kill came mid-stream');
  await env.agent!.waitFor(/session established[\s\S]*session established/, 60_000);

  for (const id of ids) t.like(await env.waitResult(id, 1, 120_000), { state: 'done', result: { code: 'OK' } }, id);
  const perCommand = await rows<{ command_id: string; n: string }>('select command_id, count(*) as n from results group by command_id');
  t.is(perCommand.length, USERS);
  t.true(perCommand.every((r) => Number(r.n) === 1));
  t.deepEqual(await rows('select * from command_secrets'), [], 'sealed copies are dropped once results are stored');

  const history = await historyCounts();
  t.is(history.size, USERS);
  const twice = [...history].filter(([, count]) => count !== 1);
  t.deepEqual(twice, [], 'each user changed exactly once (one old password in pwdHistory)');
  for (const uid of users.slice(0, 3)) {
    const client = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.caFile)] } });
    await client.bind(dnOf(uid), passwords.get(uid) ?? '');
    await client.unbind();
  }
});

test.serial('results are visible from every node, and the CLI reaches the agent through the other node', async (t) => {
  const restarted = await env.startNode(0);
  const [row] = await rows<{ command_id: string }>('select command_id from results limit 1');
  const id = row!.command_id;
  const ca = readFileSync(env.pki.caFile);
  for (const url of [restarted.url, env.nodes[1]!.url]) {
    const view = await apiRequest(`${url}/api/v1/tenants/${env.tenant}/commands/${id}`, { token: env.adminToken, ca });
    t.like(view.body, { state: 'done', result: { code: 'OK' } });
  }
  // The CLI writes to the shared database from node 0's data directory; node 1 holds the session.
  const state = await env.cli(['state', '--tenant', env.tenant, '--user', users[0]!, '--by', 'uid', '--json'], { node: 0 });
  t.is(state.code, 0, state.stderr);
  t.like(JSON.parse(state.stdout).result, { code: 'OK', details: { exists: true } });
});

test.serial('no password used is in the database tables, a log or any output', async (t) => {
  const used = [...passwords.values(), initial, slapd.layout.servicePassword];
  t.deepEqual(findSecrets([env.dir], used), []);
  const dump = JSON.stringify(await Promise.all(['commands', 'command_secrets', 'results', 'agents', 'registration_tokens'].map((table) => rows(`select * from ${table}`))));
  t.true(dump.includes(env.agentId));
  t.deepEqual(
    used.filter((p) => dump.includes(p)),
    [],
  );
});
