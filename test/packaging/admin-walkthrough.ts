import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { Client } from 'ldapts';
import { startSlapd } from '../fixtures/slapd.js';
import { testPki } from '../fixtures/slapd/tls.js';
import { eventually } from '../helpers/eventually.js';
import { findSecrets } from '../helpers/secret-scan.js';

/**
 * The admin's path with nothing but the two installed Debian packages (docs/packages.md, "From the
 * packages to a reset"): the service's `init`, `serve` over TLS from a test CA, `tenant create`,
 * `token create`; the agent's config written from the packaged OpenLDAP example, the bind password
 * stored with `secret set` from standard input, `register --token-file`, `run` as a process; then
 * `writeback-service reset --password-stdin`, and a bind at a real slapd with the new password.
 * Every command is the installed /usr/bin one, with a PATH that holds no Node.
 */

/** Deadlines of the walkthrough's steps. */
const Deadlines = {
  commandMs: 90_000,
  listeningMs: 30_000,
  sessionMs: 60_000,
  exitMs: 15_000,
} as const;

interface Logged {
  file: string;
  child: ChildProcess;
  exited: Promise<unknown>;
}

/** Starts an installed program with its output in a file (not a pipe: a blocked pipe would stall it). */
function startLogged(program: string, args: string[], outputDir: string, name: string, env: NodeJS.ProcessEnv, cwd: string): Logged {
  const file = join(outputDir, `${name}.log`);
  const fd = openSync(file, 'a');
  const child = spawn(program, args, { env, cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return { file, child, exited: once(child, 'exit') };
}

/** The first match of `pattern` in the process's log file, with a deadline; fails at once when the process exits first. */
async function waitForLine(process: Logged, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const found: { match: RegExpExecArray | null } = { match: null };
  const text = (): string => readFileSync(process.file, 'utf8');
  const seen = (): boolean => {
    const current = text();
    found.match = pattern.exec(current);
    if (found.match !== null) return true;
    if (process.child.exitCode !== null) throw new Error(`${process.file}: exited (${process.child.exitCode}) before ${String(pattern)}:\n${current.slice(-3000)}`);
    return false;
  };
  await eventually(seen, { timeoutMs, intervalMs: 100, what: `${String(pattern)} in ${process.file}` }).catch((error: unknown) => {
    throw error instanceof Error && error.message.startsWith('timed out') ? new Error(`${error.message}:\n${text().slice(-3000)}`) : error;
  });
  return found.match!;
}

async function stop(process: Logged): Promise<void> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return;
  process.child.kill('SIGTERM');
  const timer = setTimeout(() => process.child.kill('SIGKILL'), Deadlines.exitMs);
  await process.exited;
  clearTimeout(timer);
}

async function canBind(url: string, caFile: string, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url, tlsOptions: { ca: [readFileSync(caFile)] } });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export async function adminWalkthrough(t: ExecutionContext, options: { dir: string; env: NodeJS.ProcessEnv }): Promise<void> {
  const { dir, env } = options;
  const outputs = join(dir, 'output');
  mkdirSync(outputs, { recursive: true });
  let step = 0;
  /** One installed command to completion; its output is kept for the secret scan. */
  const command = (program: string, args: string[], stdin = ''): SpawnSyncReturns<string> => {
    const result = spawnSync(program, args, { env, cwd: dir, input: stdin, encoding: 'utf8', timeout: Deadlines.commandMs });
    writeFileSync(join(outputs, `${String(++step).padStart(2, '0')}-${args[0] ?? program}.log`), `$ ${program} ${args.join(' ')}\nexit ${String(result.status)}\n${result.stdout}\n${result.stderr}`);
    return result;
  };
  const ok = (program: string, args: string[], stdin = ''): string => {
    const result = command(program, args, stdin);
    if (result.status !== 0) throw new Error(`${program} ${args.join(' ')}: exit ${String(result.status)}${result.error ? ` (${result.error.message})` : ''}\n${result.stdout}\n${result.stderr}`);
    return result.stdout.trim();
  };
  const service = '/usr/bin/writeback-service';
  const agent = '/usr/bin/writeback-agent';

  const slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } });
  t.teardown(() => slapd.stop());
  const pki = await testPki();
  const alice = slapd.users.alice;
  const bindPassword = slapd.layout.servicePassword;
  const newPassword = 'Walkthrough-Alice-2026!';

  // The service: a data directory, serve over TLS, a tenant and a one-time registration token.
  const data = join(dir, 'service');
  ok(service, ['init', '--data', data, '--public-url', 'https://127.0.0.1:8443']);
  const serve = startLogged(service, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--tls-cert', pki.certFile, '--tls-key', pki.keyFile], outputs, 'serve', env, dir);
  t.teardown(() => stop(serve));
  const url = (await waitForLine(serve, /^listening on (https:\/\/\S+)$/m, Deadlines.listeningMs))[1]!;
  ok(service, ['tenant', 'create', 'acme', '--data', data]);
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${ok(service, ['token', 'create', '--tenant', 'acme', '--data', data])}\n`, { mode: 0o600 });

  // The agent's config, from the example the package installs, changed where docs/configuration.md says.
  const config = JSON.parse(readFileSync('/usr/lib/writeback-agent/config.openldap.example.json', 'utf8')) as AgentExample;
  const stateDir = join(dir, 'agent-state');
  const logDir = join(dir, 'agent-logs');
  config.service.url = `${url.replace(/^https/, 'wss')}/agent/v1`;
  config.service.caFile = pki.caFile;
  config.stateDir = stateDir;
  config.logging.dir = logDir;
  config.audit.file = join(stateDir, 'audit.jsonl');
  const directory = config.directories[0]!;
  Object.assign(directory, { urls: [slapd.ldapsUrl], baseDn: slapd.suffix, bindDn: slapd.layout.serviceDn, defaultPolicyDn: slapd.layout.defaultPolicyDn });
  directory.tls.caFile = slapd.caFile;
  directory.scope.include = [slapd.layout.peopleDn];
  directory.scope.protectedGroups = [slapd.layout.adminsGroupDn];
  const configFile = join(dir, 'agent.json');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  chmodSync(configFile, 0o640);

  // The bind password from standard input, never an argument; then register with the token's file.
  ok(agent, ['secret', 'set', directory.bindPassword.secret, '--config', configFile], bindPassword);
  t.regex(ok(agent, ['secret', 'list', '--config', configFile]), new RegExp(`^${directory.bindPassword.secret}$`, 'm'));
  ok(agent, ['register', '--config', configFile, '--token-file', tokenFile, '--name', 'walkthrough']);
  const run = startLogged(agent, ['run', '--config', configFile], outputs, 'agent-run', env, dir);
  t.teardown(() => stop(run));
  await waitForLine(run, /session established/, Deadlines.sessionMs);
  t.regex(ok(service, ['agents', 'list', '--tenant', 'acme', '--data', data]), /walkthrough/);

  // The reset, from the service's command line, with the password on standard input.
  const reset = command(service, ['reset', '--tenant', 'acme', '--user', 'alice', '--by', 'uid', '--password-stdin', '--data', data], `${newPassword}\n`);
  t.is(reset.status, 0, `${reset.stdout}\n${reset.stderr}`);
  t.true(await canBind(slapd.ldapsUrl, slapd.caFile, alice.dn, newPassword), 'the new password binds at slapd');
  t.false(await canBind(slapd.ldapsUrl, slapd.caFile, alice.dn, alice.password), 'the old password still binds');

  await stop(run);
  await stop(serve);
  // No password in any output, log, journal or the service's database; the bind password is only
  // in the agent's secret store (secrets.json, 0600), so the state directory is scanned for the others.
  t.deepEqual(findSecrets([outputs, logDir, data], [newPassword, alice.password, bindPassword]), []);
  t.deepEqual(findSecrets([stateDir], [newPassword, alice.password]), []);
  t.is(statSync(join(stateDir, 'secrets.json')).mode & 0o777, 0o600, "the secret store is the agent account's alone");
}

/** The parts of config.openldap.example.json the walkthrough changes. */
interface AgentExample {
  service: { url: string; caFile: string | null };
  stateDir: string;
  logging: { dir: string };
  audit: { file: string };
  directories: {
    bindPassword: { secret: string };
    tls: { caFile: string | null };
    scope: { include: string[]; protectedGroups: string[] };
  }[];
}
