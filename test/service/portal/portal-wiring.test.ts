import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServiceCli, ServiceProcess } from '../../helpers/service-process.js';

// The portal as `writeback-service serve` mounts it: off until a tenant is named, closed with
// access "none", and a configuration that cannot send its codes stops the start in one line.

let dir: string;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wb-portal-wiring-'));
});

test.after.always(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dataDir(name: string, change: (config: Record<string, Record<string, unknown>>) => void): Promise<string> {
  const data = join(dir, name);
  const init = await runServiceCli(['init', '--data', data]);
  if (init.code !== 0) throw new Error(init.stderr);
  const file = join(data, 'service.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  change(config);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return data;
}

async function servePage(data: string, path: string): Promise<{ status: number; text: string; headers: Headers }> {
  const node = await ServiceProcess.start(['--data', data, '--listen', '127.0.0.1:0'], join(dir, 'output'), 'serve');
  try {
    const response = await fetch(`${node.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, text: await response.text(), headers: response.headers };
  } finally {
    await node.process.stop();
  }
}

test('with no portal.tenant (the default) every page says the portal is not set up; the admin API is unchanged', async (t) => {
  const data = await dataDir('default', () => undefined);
  const page = await servePage(data, '/');
  t.is(page.status, 503);
  t.regex(page.text, /The self-service portal is not set up on this service\./);
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const api = await servePage(data, '/api/v1/agents');
  t.regex(api.headers.get('content-type') ?? '', /application\/json/);
});

test('access "none": the portal is closed and names the help desk', async (t) => {
  const data = await dataDir('closed', (config) => {
    config['smtp'] = { ...config['smtp'], host: '127.0.0.1', from: 'portal@corp.example' };
    config['portal'] = { ...config['portal'], tenant: 'acme', access: 'none', helpdeskContact: 'https://help.corp.example/' };
  });
  const page = await servePage(data, '/');
  t.is(page.status, 403);
  t.regex(page.text, /Self-service password reset is not open\./);
  t.regex(page.text, /href="https:\/\/help\.corp\.example\/"/);
});

test('a portal that cannot send its e-mail codes stops serve at start, in one line naming the keys', async (t) => {
  const data = await dataDir('no-smtp', (config) => {
    config['portal'] = { ...config['portal'], tenant: 'acme' };
  });
  const run = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0'], { timeoutMs: 30_000 });
  t.is(run.code, 2);
  t.regex(run.stderr, /smtp\.host and smtp\.from/);
  t.is(run.stderr.trim().split('\n').length, 1);
});

test('a password in the configuration as a literal is refused', async (t) => {
  const data = await dataDir('literal', (config) => {
    config['portal'] = { ...config['portal'], secretKey: 'not-a-reference' };
  });
  const run = await runServiceCli(['serve', '--data', data, '--listen', '127.0.0.1:0'], { timeoutMs: 30_000 });
  t.is(run.code, 2);
  t.regex(run.stderr, /portal\.secretKey must be null, \{ "env": NAME \} or \{ "file": PATH \}/);
});

test('per-address limit: past portal.limits.perAddress forms from one address, the answer is 429, whatever the name', async (t) => {
  const data = await dataDir('per-address', (config) => {
    config['smtp'] = { ...config['smtp'], host: '127.0.0.1', from: 'portal@corp.example' };
    config['portal'] = { ...config['portal'], tenant: 'acme', limits: { perUser: 100, perAddress: 3, windowSeconds: 900 } };
  });
  const tenant = await runServiceCli(['tenant', 'create', 'acme', '--data', data]);
  t.is(tenant.code, 0, tenant.stderr);
  const node = await ServiceProcess.start(['--data', data, '--listen', '127.0.0.1:0'], join(dir, 'output'), 'serve-limits');
  try {
    const start = await fetch(`${node.url}/`, { signal: AbortSignal.timeout(10_000) });
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await start.text())?.[1] ?? '';
    const statuses: number[] = [];
    for (const user of ['alice', 'bob', 'nobody', 'carol']) {
      const response = await fetch(`${node.url}/identify`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, user, action: 'reset' }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    t.deepEqual(statuses, [303, 303, 303, 429]);
  } finally {
    await node.process.stop();
  }
});
