import test from 'ava';
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresFixture } from '../fixtures/postgres.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { eventually } from '../helpers/eventually.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import type { TcpBalancer } from '../helpers/tcp-balancer.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';

// Key retirement with several nodes (docs/service.md, "Key rotation"): two `writeback-service serve`
// processes on one PostgreSQL database, one real agent on a real slapd. `keys rotate` on node 0
// writes the new key file only into node 0's data directory; node 1 cannot load it. Once the agent
// trusts the new key, the old one must still stay active while node 1 runs (retiring it would leave
// node 1 no key the agent trusts: every hello refused, NO_TRUSTED_KEY), `keys status` names node 1
// and the copy that fixes it; once the file is copied, node 1 loads it, the old key retires, and
// the agent connects through node 1. A node that stopped (cleanly, or killed) holds nothing back.

/** Short heartbeats so that the nodes load keys and judge liveness within seconds; not the lowest allowed (1000): a node stalled by load for two beats would count as gone and let the key retire early. */
const HEARTBEAT_MS = 2_000;
/** Generous: the machine may be loaded; nothing here measures time. */
const DEADLINE_MS = 60_000;
const HELD_BACK = /^older signing keys stay active: every agent trusts /;

let pg: PostgresFixture;
let slapd: SlapdFixture;
let env: ServiceEnvironment;
let balancer: TcpBalancer;

test.before(async () => {
  [pg, slapd] = await Promise.all([PostgresFixture.start(), startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } })]);
  env = await ServiceEnvironment.create({
    dbUrl: await pg.createDatabase('writeback'),
    nodes: 2,
    directories: [slapdTestDirectory(slapd)],
    serviceConfig: (config) => {
      config.agents.heartbeatIntervalMs = HEARTBEAT_MS;
    },
  });
  balancer = await env.startTwoNodesBehindBalancer();
});

test.after.always(async () => {
  await env?.close();
  await balancer?.close();
  await slapd?.stop();
  await pg?.destroy();
});

async function rows<T>(query: string, values: unknown[] = []): Promise<T[]> {
  return pg.withClient(async (client) => (await client.query(query, values)).rows as T[], 'writeback');
}

const keyStatus = async (kid: string): Promise<string | undefined> => (await rows<{ status: string }>('select status from signing_keys where kid = $1', [kid]))[0]?.status;
const trustedBy = async (agentId: string): Promise<string> =>
  (await rows<{ kid: string }>('select kid from agent_trusted_keys where agent_id = $1 order by kid', [agentId])).map((row) => row.kid).join();
const nodeRow = async (nodeId: string) => (await rows<{ node_id: string; kids: string }>('select node_id, kids from service_nodes where node_id = $1', [nodeId]))[0];

/** Node `i`'s log lines (JSON) whose message is `message` (or matches it). */
function nodeLog(i: number, message: string | RegExp): Record<string, unknown>[] {
  return env.nodes[i]!.process.output.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => (typeof message === 'string' ? entry['message'] === message : message.test(String(entry['message']))));
}

/** The id the running process of node `i` logged at start (random per start). */
function nodeIdOf(i: number): string {
  const started = nodeLog(i, 'service node started')[0];
  if (started === undefined) throw new Error(`node ${i} logged no start`);
  return started['nodeId'] as string;
}

/** Restarts the agent with the balancer sending it to node `i`; returns the kid node `i` signs its commands with. */
async function agentThrough(i: number): Promise<string> {
  const before = nodeLog(i, 'agent connected').length;
  balancer.backends = [Number(new URL(env.nodes[i]!.url).port)];
  await env.agent!.stop('SIGTERM');
  await env.startAgent();
  // The node's log reaches this process through a pipe, maybe after the agent's: waited for, not read at once.
  await eventually(() => nodeLog(i, 'agent connected').length > before, { timeoutMs: DEADLINE_MS, intervalMs: 100, what: `node ${i} to log the agent's session` });
  const session = nodeLog(i, 'agent connected').at(-1)!;
  if (session['agentId'] !== env.agentId) throw new Error(`node ${i} logged another agent's session`);
  return session['kid'] as string;
}

async function rotate(): Promise<{ kid: string; stdout: string }> {
  const run = await env.cli(['keys', 'rotate']);
  if (run.code !== 0) throw new Error(`keys rotate: ${run.stderr}`);
  return { kid: /^added signing key (\S+)$/m.exec(run.stdout)![1]!, stdout: run.stdout };
}

interface StatusJson {
  keys: { kid: string; status: string }[];
  newest: string;
  blockers: { agents: { id: string }[]; nodes: { nodeId: string; hostname: string; dataDir: string; lastSeenAt: string; kids: string[]; fix: string }[] };
}

async function statusJson(): Promise<StatusJson> {
  const run = await env.cli(['keys', 'status', '--json']);
  if (run.code !== 0) throw new Error(`keys status --json: ${run.stderr}`);
  return JSON.parse(run.stdout) as StatusJson;
}

test.serial(
  'a running node that cannot load the newest key keeps the old key active and is named with the fix; once the file is copied it loads it, the old key retires, agents connect through it',
  async (t) => {
    const [node0, node1] = [nodeIdOf(0), nodeIdOf(1)];
    const [old] = await rows<{ kid: string }>("select kid from signing_keys where status = 'active'");
    const oldKid = old!.kid;
    await eventually(async () => (await nodeRow(node0)) !== undefined && (await nodeRow(node1)) !== undefined, { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'both nodes to record their keys' });

    // No copy to node 1: the mistake this guards against.
    const rotation = await rotate();
    const newKid = rotation.kid;
    t.true(rotation.stdout.includes(`older keys stay active until these running nodes hold the newest key, ${newKid}:`), rotation.stdout);
    t.true(rotation.stdout.includes(`  node ${node1} on `), rotation.stdout);
    t.true(rotation.stdout.includes(`copy keys/${newKid}.jwk (mode 0600) to ${env.dataDirs[1]}/keys/`), rotation.stdout);
    // Node 0 is named too unless its heartbeat loaded the key before `keys rotate` read the rows; either way it needs no copy.
    t.notRegex(rotation.stdout, new RegExp(`^  node ${node0} on .*: copy `, 'm'), 'node 0 has the file already');

    await eventually(async () => (await trustedBy(env.agentId)).includes(newKid), { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'the agent to acknowledge the new key (through node 0)' });
    // Node 0 then finds every agent trusting the new key and logs what holds the old one back.
    await eventually(() => nodeLog(0, HELD_BACK).some((entry) => (entry['nodes'] as { nodeId: string }[]).some((node) => node.nodeId === node1)), {
      timeoutMs: DEADLINE_MS,
      intervalMs: 100,
      what: 'node 0 to log that node 1 holds retirement back',
    });
    await eventually(() => nodeLog(1, /^cannot load the new signing keys/).length > 0, { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'node 1 to log that it cannot load the key' });
    t.is(await keyStatus(oldKid), 'active', 'the old key is not retired while node 1 runs without the new one');

    const status = await statusJson();
    t.is(status.newest, newKid);
    t.deepEqual(status.blockers.agents, [], 'no agent holds it back');
    t.is(status.blockers.nodes.length, 1);
    t.like(status.blockers.nodes[0], { nodeId: node1, dataDir: env.dataDirs[1], kids: [oldKid] });
    t.regex(status.blockers.nodes[0]!.fix, new RegExp(`^copy keys/${newKid}\\.jwk \\(mode 0600\\) to `));
    const human = await env.cli(['keys', 'status']);
    t.is(human.code, 0, human.stderr);
    t.regex(human.stdout, new RegExp(`^${oldKid}  active`, 'm'));
    t.regex(human.stdout, new RegExp(`^  node ${node1} on .*, last seen .*: copy keys/${newKid}\\.jwk \\(mode 0600\\)`, 'm'));
    t.is(await keyStatus(oldKid), 'active', '`keys status` retires nothing either');

    // Node 1 still serves the agent (with the old key, the one both hold), and does not announce its
    // short set: the agent keeps trusting the new key the other node signs with.
    t.is(await agentThrough(1), oldKid);
    const seen = nodeLog(1, /^cannot load the new signing keys/).length;
    await eventually(() => nodeLog(1, /^cannot load the new signing keys/).length > seen, { timeoutMs: DEADLINE_MS, intervalMs: 100, what: "node 1's next heartbeat" });
    t.deepEqual(nodeLog(1, 'service keys announced'), [], 'a node behind on keys announces nothing');
    t.is(await trustedBy(env.agentId), [oldKid, newKid].sort().join());

    const target = join(env.dataDirs[1]!, 'keys', `${newKid}.jwk`);
    copyFileSync(join(env.dataDirs[0]!, 'keys', `${newKid}.jwk`), target);
    chmodSync(target, 0o600);
    await eventually(async () => (await keyStatus(oldKid)) === 'retired', { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'the old key to retire once node 1 has the file' });
    await eventually(() => nodeLog(1, 'signing keys reloaded').some((entry) => (entry['kids'] as string[]).includes(newKid)), {
      timeoutMs: DEADLINE_MS,
      intervalMs: 100,
      what: 'node 1 to log that it loaded the new key',
    });
    // Node 1, holding the agent's session, tells it the set without the old key.
    await eventually(async () => (await trustedBy(env.agentId)) === newKid, { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'the agent to trust only the new key' });
    t.deepEqual((await statusJson()).blockers, { agents: [], nodes: [] });

    // Through node 1 again: the agent trusts only the new key, which node 1 signs with.
    t.is(await agentThrough(1), newKid);
    const id = await env.submit({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } }, 1);
    t.like(await env.waitResult(id, 1, DEADLINE_MS), { state: 'done', result: { code: 'OK' } });
    await eventually(() => nodeLog(1, 'command sent').some((entry) => entry['commandId'] === id && entry['kid'] === newKid), {
      timeoutMs: DEADLINE_MS,
      intervalMs: 100,
      what: 'node 1 to log the command signed with the new key',
    });
  },
);

test.serial('a node that stops cleanly deletes its row; a killed node, and one not seen for an hour, hold back retirement no longer than their liveness window', async (t) => {
  // The agent back on node 0, which keeps running.
  await agentThrough(0);

  const stopped = nodeIdOf(1);
  t.is(await env.nodes[1]!.process.stop('SIGTERM'), 0);
  t.is(await nodeRow(stopped), undefined, 'a clean stop deletes the row');

  await env.startNode(1);
  const killed = nodeIdOf(1);
  await eventually(async () => (await nodeRow(killed)) !== undefined, { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'the restarted node to record its keys' });
  await env.nodes[1]!.process.stop('SIGKILL');
  // A node that died an hour ago without a clean stop, holding no key at all.
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  await rows("insert into service_nodes (node_id, hostname, data_dir, kids, heartbeat_ms, started_at, last_seen_at) values ('gone-an-hour', 'gone.test', '/nowhere', '[]', $1, $2, $2)", [
    HEARTBEAT_MS,
    hourAgo,
  ]);

  const [previous] = await rows<{ kid: string }>("select kid from signing_keys where status = 'active'");
  const { kid: newest } = await rotate();
  await eventually(async () => (await trustedBy(env.agentId)).includes(newest), { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'the agent to acknowledge the newest key' });
  await eventually(async () => (await keyStatus(previous!.kid)) === 'retired', { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'the previous key to retire once the killed node is past its window' });
  t.not(await nodeRow(killed), undefined, "the killed node's row is still there: its age, not its absence, let the key retire");
  t.not(await nodeRow('gone-an-hour'), undefined);
  t.deepEqual((await statusJson()).blockers, { agents: [], nodes: [] });
});
