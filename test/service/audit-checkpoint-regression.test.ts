import test from 'ava';
import { readFileSync } from 'node:fs';
import { rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditCheckpoint } from '../../protocol/index.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';
import { runCli } from '../helpers/agent-process.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { apiRequest } from '../helpers/service-process.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';

// Issue 24, item 9: a rewrite of the audit log on the agent's host, by someone who holds the agent's
// key, becomes visible off the host. One `serve` node on SQLite, the real agent process applying
// resets on a real slapd and reporting its checkpoints; between two runs its log is wiped and the
// checkpoint beside it removed, and the agent signs the rebuilt log's checkpoint with its own key.

let slapd: SlapdFixture;
let env: ServiceEnvironment;
const passwordsUsed: string[] = [];

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A generated-password reset through the admin API, applied. */
async function reset(user: 'alice' | 'bob'): Promise<void> {
  const url = env.nodes[0]!.url;
  const response = await apiRequest(`${url}/api/v1/tenants/${env.tenant}/commands`, {
    method: 'POST',
    token: env.adminToken,
    ca: readFileSync(env.pki.caFile),
    body: { op: 'resetPassword', target: { by: 'uid', value: user }, params: { enforceMinimumAge: false }, generate: true },
  });
  if (response.status !== 202) throw new Error(`submit: HTTP ${response.status}`);
  passwordsUsed.push(response.body.generatedPassword);
  const done = await env.waitResult(response.body.id);
  if (done.result?.code !== 'OK') throw new Error(`reset of ${user}: ${JSON.stringify(done.result)}`);
}

/** `agents checkpoint`: the latest good checkpoint (null when none) and what it printed on stderr. */
async function heldCheckpoint(): Promise<{ checkpoint: AuditCheckpoint | null; stderr: string }> {
  const run = await env.cli(['agents', 'checkpoint', '--agent', env.agentId]);
  return { checkpoint: run.code === 0 ? (JSON.parse(run.stdout) as AuditCheckpoint) : null, stderr: run.stderr };
}

/** The node's JSON log lines whose message starts with `prefix`. */
function nodeLog(prefix: string): Record<string, unknown>[] {
  return env.nodes[0]!.process.output.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => typeof entry['message'] === 'string' && entry['message'].startsWith(prefix));
}

test.before(async () => {
  slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } });
  passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
  env = await ServiceEnvironment.create({ directories: [slapdTestDirectory(slapd)] });
  const node = await env.startNode(0);
  await env.writeAgentConfig(node.url);
  await env.register();
  await env.startAgent();
});

test.after.always(async () => {
  await env?.close();
  await slapd?.stop();
});

test.serial('a log rebuilt on the host is REGRESSED on the service, which keeps the checkpoint that catches it', async (t) => {
  const auditFile = join(env.dir, 'agent-state', 'audit.jsonl');
  await reset('alice');
  await reset('bob');
  // The agent signs at most one checkpoint a minute, and one more when it stops: that one covers both lines.
  t.is(await env.agent!.stop('SIGTERM'), 0);
  const logged = (await stat(auditFile)).size;
  await until('the service holds the checkpoint of the whole log', async () => (await heldCheckpoint()).checkpoint?.bytes === logged);
  const good = (await heldCheckpoint()).checkpoint!;
  t.is(nodeLog('audit checkpoint REGRESSED').length, 0);

  // Root on the host wipes the log and the checkpoint beside it; the agent then signs its new log with its own key.
  await truncate(auditFile, 0);
  await rm(`${auditFile}.checkpoint`);
  await env.startAgent();
  await reset('alice');
  await until('the service flags the rebuilt log', () => nodeLog('audit checkpoint REGRESSED').length === 1);

  const [warning] = nodeLog('audit checkpoint REGRESSED');
  t.like(warning, { level: 'warn', agentId: env.agentId, regression: 'SHORTER', previous: good, good });
  const rebuilt = warning!['checkpoint'] as AuditCheckpoint;
  t.true(rebuilt.bytes < good.bytes);

  const shown = await heldCheckpoint();
  t.deepEqual(shown.checkpoint, good, 'the latest good checkpoint stays for audit verify');
  t.regex(shown.stderr, /^REGRESSED \(received [-:.0-9TZ]+\): the log is shorter than at the previous checkpoint/m);
  t.true(shown.stderr.includes(`  previous: ${JSON.stringify(good)}\n  then:     ${JSON.stringify(rebuilt)}`));

  // The admin checks the host's log against the held checkpoint: the rebuild shows.
  const file = join(env.dir, 'held-checkpoint.json');
  await writeFile(file, `${JSON.stringify(good)}\n`);
  const verified = await runCli(['audit', 'verify', '--config', env.agentConfigFile, '--checkpoint', file]);
  t.is(verified.code, 1, verified.stdout + verified.stderr);
  t.regex(verified.stdout, /audit log BROKEN/);
});

test.serial('no password used is in the service data, a log or any output', (t) => {
  t.deepEqual(findSecrets([env.dir], passwordsUsed), []);
});
