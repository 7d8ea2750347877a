import test from 'ava';
import { Attribute } from 'ldapts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { PostgresFixture } from '../fixtures/postgres.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { apiRequest, runServiceCli } from '../helpers/service-process.js';
import { TcpBalancer } from '../helpers/tcp-balancer.js';

// Run by run-rolling-upgrade.sh inside a checkout of an OLDER version: this file's imports are that
// version's fixtures and helpers, so `env.startNode` starts the older service. The newer service is
// the tree named by WRITEBACK_NEW_ROOT. Two nodes on one PostgreSQL database behind a TCP balancer,
// one real agent on slapd; node 1 is upgraded while node 0, holding the agent, runs the older code.

const NEW_ROOT = process.env['WRITEBACK_NEW_ROOT'] ?? '';
const USERS = 25;
let pg: PostgresFixture;
let slapd: SlapdFixture;
let env: ServiceEnvironment;
let balancer: TcpBalancer;
let ports: number[] = [];
const users = Array.from({ length: USERS }, (_, i) => `roll${String(i + 1).padStart(3, '0')}`);
const dnOf = (uid: string): string => `uid=${uid},${slapd.layout.peopleDn}`;

interface NewerNode {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

async function migrations(): Promise<string[]> {
  return pg.withClient(async (client) => (await client.query<{ name: string }>('select name from kysely_migration order by name')).rows.map((row) => row.name), 'writeback');
}

/** The newer version's `serve` on node `i`'s data directory and port. */
async function startNewer(i: number, port: number): Promise<NewerNode> {
  const args = ['serve', ...env.dataArgs(i), '--listen', `127.0.0.1:${port}`, '--tls-cert', env.pki.certFile, '--tls-key', env.pki.keyFile, '--log-level', 'debug'];
  const child = spawn(process.execPath, ['--import', 'tsx', `${NEW_ROOT}/service/cli/bin.ts`, ...args], { cwd: NEW_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'close');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /^listening on (\S+)$/m.exec(output);
    if (match !== null) {
      return {
        url: match[1]!,
        output: () => output,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the newer serve did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Submits a reset per user at `nodeUrl` and waits until each has an OK result there. */
async function resetAll(batch: string[], nodeUrl: string): Promise<void> {
  const ca = readFileSync(env.pki.caFile);
  const ids: string[] = [];
  for (const uid of batch) {
    const body = { op: 'resetPassword', target: { by: 'uid', value: uid }, params: { enforceMinimumAge: false }, newPassword: `Roll-${randomBytes(6).toString('hex')}!1a`, ttlMs: 5 * 60_000 };
    const response = await apiRequest(`${nodeUrl}/api/v1/tenants/${env.tenant}/commands`, { method: 'POST', token: env.adminToken, ca, body });
    if (response.status !== 202) throw new Error(`submit: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    ids.push(String(response.body.id));
  }
  const deadline = Date.now() + 90_000;
  for (const id of ids) {
    for (;;) {
      const view = await apiRequest(`${nodeUrl}/api/v1/tenants/${env.tenant}/commands/${id}`, { token: env.adminToken, ca });
      if (view.body.state === 'done' && view.body.result?.code === 'OK') break;
      if (!['queued', 'sent', 'acknowledged'].includes(String(view.body.state))) throw new Error(`command ${id}: ${JSON.stringify(view.body)}`);
      if (Date.now() > deadline) throw new Error(`no result for ${id}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const warnings = (output: string): string[] => output.split('\n').filter((line) => /"level":"(warn|error)"/.test(line));

test.before(async () => {
  if (NEW_ROOT === '') throw new Error('run by test/upgrade/run-rolling-upgrade.sh (WRITEBACK_NEW_ROOT is not set)');
  [pg, slapd] = await Promise.all([PostgresFixture.start(), startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0, inHistory: 20 } })]);
  await slapd.asAdmin(async (client) => {
    for (const uid of users) {
      await client.add(dnOf(uid), [
        new Attribute({ type: 'objectClass', values: ['inetOrgPerson'] }),
        new Attribute({ type: 'uid', values: [uid] }),
        new Attribute({ type: 'cn', values: [uid] }),
        new Attribute({ type: 'sn', values: [uid] }),
        new Attribute({ type: 'userPassword', values: [`Initial-${randomBytes(6).toString('hex')}!1a`] }),
      ]);
    }
  });
  env = await ServiceEnvironment.create({ dbUrl: await pg.createDatabase('writeback'), nodes: 2, directories: [slapdTestDirectory(slapd, { extra: { timeoutMs: 5_000 } })] });
  ports = [await freePort(), await freePort()];
  await env.startNode(0, ports[0]);
  await env.startNode(1, ports[1]);
  // The balancer's first choice is node 0: the agent's session stays on the older node.
  balancer = await TcpBalancer.start(ports);
  await env.writeAgentConfig(`https://127.0.0.1:${balancer.port}`);
  await env.register();
  await env.startAgent();
});

test.after.always(async () => {
  await env?.close();
  await balancer?.close();
  await slapd?.destroy();
  await pg?.destroy();
});

test.serial('older and newer nodes serve side by side on one PostgreSQL database, and the older refuses to start again', async (t) => {
  t.timeout(600_000);
  const before = await migrations();
  await resetAll(users.slice(0, 5), env.nodes[1]!.url);

  await env.nodes[1]!.process.stop('SIGTERM');
  const newer1 = await startNewer(1, ports[1]!);
  const after = await migrations();
  t.log(`migrations applied by the newer node: ${after.filter((name) => !before.includes(name)).join(', ')}`);
  t.true(after.length > before.length);

  const older0 = env.nodes[0]!.process;
  await resetAll(users.slice(5, 10), newer1.url);
  await resetAll(users.slice(10, 15), env.nodes[0]!.url);
  // A few of the older node's heartbeats (2 s in these data directories) on the newer schema.
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  t.regex(older0.output, /"message":"result stored"/, 'the older node held the agent and stored the results');
  t.notRegex(newer1.output(), /"message":"agent connected"/, 'the agent stayed on the older node');
  t.deepEqual(warnings(older0.output), []);
  t.deepEqual(warnings(newer1.output()), []);

  const olderCli = await runServiceCli(['agents', 'list', ...env.dataArgs(0)]);
  t.log(`older agents list: exit ${olderCli.code}: ${olderCli.stderr.trim()}`);
  t.is(olderCli.code, 2);

  await older0.stop('SIGTERM');
  await resetAll(users.slice(15, 20), newer1.url);
  t.regex(newer1.output(), /"message":"agent connected"/, 'the agent moved to the newer node');
  const olderServe = await runServiceCli(['serve', ...env.dataArgs(0), '--listen', '127.0.0.1:0', '--tls-cert', env.pki.certFile, '--tls-key', env.pki.keyFile]);
  t.log(`older serve: exit ${olderServe.code}: ${olderServe.stderr.trim()}`);
  t.is(olderServe.code, 2);

  const newer0 = await startNewer(0, ports[0]!);
  await resetAll(users.slice(20, 25), newer0.url);
  const perCommand = await pg.withClient(async (client) => (await client.query<{ n: string }>('select count(*) as n from results group by command_id')).rows, 'writeback');
  t.is(perCommand.length, 25);
  t.true(perCommand.every((row) => Number(row.n) === 1));
  await newer0.stop();
  await newer1.stop();
});
