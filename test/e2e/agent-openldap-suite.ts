import test from 'ava';
import { Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import type { LdapServerFixture } from '../fixtures/slapd/ldap-server-fixture.js';
import { declareContainerTests, startLdapFixture, titleFor, type LdapFixtureKind } from '../fixtures/slapd/select-fixture.js';
import { AgentEnvironment, slapdTestDirectory } from '../helpers/agent-environment.js';
import { runCli } from '../helpers/agent-process.js';
import { findSecrets } from '../helpers/secret-scan.js';

/**
 * The whole path over real sockets: service-sim (wss, test CA) → the agent process → a real OpenLDAP
 * server of `kind` (the local slapd, or slapd in a container). One suite per file, so a server that
 * cannot start fails only its own suite.
 */
export function agentOpenLdapSuite(kind: LdapFixtureKind): void {
  if (kind === 'container' && !declareContainerTests()) return;

  let slapd: LdapServerFixture;
  let env: AgentEnvironment;
  const passwordsUsed: string[] = [];

  function secret(password: string): { newPassword: string } {
    passwordsUsed.push(password);
    return { newPassword: password };
  }

  async function canBind(dn: string, password: string): Promise<boolean> {
    const client = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.caFile)] } });
    try {
      await client.bind(dn, password);
      return true;
    } catch {
      return false;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  test.before(async () => {
    slapd = await startLdapFixture(kind, { rights: '=wm' });
    passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
    env = await AgentEnvironment.create({
      directories: [slapdTestDirectory(slapd)],
      limits: { perTargetPerMinute: 3 },
    });
    await env.register();
    await env.startAgent();
  });

  test.after.always(async () => {
    await env?.close();
    await slapd?.destroy();
  });

  test.serial(titleFor(kind, 'resetPassword: the new password works at the directory and the result is signed and OK'), async (t) => {
    const alice = slapd.users.alice;
    const result = await env.command({ op: 'resetPassword', target: { by: 'uid', value: 'alice' }, params: { enforceMinimumAge: false }, secret: secret('Fresh-Alice-2026!') });
    t.like(result, { code: 'OK', status: 'succeeded', details: { dn: alice.dn } });
    t.true(await canBind(alice.dn, 'Fresh-Alice-2026!'));
    t.false(await canBind(alice.dn, alice.password));
  });

  test.serial(titleFor(kind, 'refusals carry precise codes: not found, ambiguous, out of scope, protected, too young, policy'), async (t) => {
    const reset = (by: string, value: string, password: string, params: Record<string, unknown> = {}) => env.command({ op: 'resetPassword', target: { by, value }, params, secret: secret(password) });
    t.like(await reset('uid', 'nobody', 'Whatever-2026!'), { code: 'USER_NOT_FOUND', status: 'rejected' });
    t.like(await reset('uid', '*', 'Whatever-2026!'), { code: 'USER_NOT_FOUND' });
    t.like(await reset('uid', '*)(uid=*', 'Whatever-2026!'), { code: 'USER_NOT_FOUND' });
    t.like(await reset('mail', 'twin@example.org', 'Whatever-2026!'), { code: 'AMBIGUOUS_USER' });
    const outside = await reset('uid', 'carol', 'Whatever-2026!');
    t.like(outside, { code: 'OUT_OF_SCOPE', status: 'rejected' });
    t.is(outside.details['dn'], undefined, 'no DN outside the scope goes upstream');
    t.like(await reset('uid', 'frank', 'Whatever-2026!'), { code: 'PROTECTED_ACCOUNT', status: 'rejected' });
    const young = await reset('uid', 'ivan', 'Ivan-Newer-2026!');
    t.like(young, { code: 'PASSWORD_TOO_YOUNG', status: 'rejected' });
    t.true(Date.parse(String(young.details['allowedAt'])) > Date.now());
    t.like(await reset('uid', 'bob', 'Sh0rt!'), { code: 'PASSWORD_POLICY', details: { reason: 'TOO_SHORT' } });
    t.like(await reset('uid', 'olga', 'Olga-Back-2026!', { enforceMinimumAge: false }), { code: 'ACCOUNT_DISABLED' });
    t.like(await env.command({ op: 'changePassword', target: { by: 'uid', value: 'bob' }, secret: { oldPassword: 'Not-Bobs-Pass1!', newPassword: 'Whatever-2026!' } }), { code: 'WRONG_PASSWORD' });
  });

  test.serial(titleFor(kind, 'unlockAccount and getAccountState'), async (t) => {
    t.like(await env.command({ op: 'getAccountState', target: { by: 'uid', value: 'erin' } }), { code: 'OK', details: { locked: true } });
    t.like(await env.command({ op: 'unlockAccount', target: { by: 'uid', value: 'erin' } }), { code: 'OK', details: { dn: slapd.users.erin.dn } });
    t.like(await env.command({ op: 'getAccountState', target: { by: 'uid', value: 'erin' } }), { code: 'OK', details: { locked: false, exists: true } });
    t.like(await env.command({ op: 'getAccountState', target: { by: 'uid', value: 'olga' } }), { code: 'OK', details: { disabled: true } });
  });

  test.serial(titleFor(kind, 'checkPermissions over the wire returns the checks SPEC.md requires'), async (t) => {
    const result = await env.command({ op: 'checkPermissions' });
    t.is(result.code, 'OK');
    const names = (result.details['checks'] as { name: string }[]).map((c) => c.name);
    for (const name of ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy']) t.true(names.includes(name), name);
  });

  test.serial(titleFor(kind, 'a per-target rate limit answers BUSY with retryAfter'), async (t) => {
    const codes: string[] = [];
    let busy: Record<string, unknown> = {};
    for (let i = 0; i < 4; i++) {
      const result = await env.command({ op: 'resetPassword', target: { by: 'uid', value: 'henry' }, params: { enforceMinimumAge: false }, secret: secret(`Henry-Round-${i}-2026!`) });
      codes.push(result.code);
      if (result.code === 'BUSY') busy = result.details;
    }
    t.deepEqual(
      codes.slice(0, 3).filter((c) => c === 'BUSY'),
      [],
    );
    t.is(codes[3], 'BUSY');
    t.true(Date.parse(String(busy['retryAfter'])) > Date.now());
  });

  test.serial(titleFor(kind, 'forged, expired, future, wrong-agent, unknown-op, undecryptable and malformed commands'), async (t) => {
    const { service } = env;
    const base = () => service.buildCommand({ tenantId: env.tenantId, agentId: env.agentId, op: 'getAccountState', target: { by: 'uid', value: 'alice' } });
    // A stored result, or a refusal before authentication (never stored as the command's result).
    const resultOf = (id: string) => service.answer(id, 10_000);

    const forgedKey = (await import('node:crypto')).generateKeyPairSync('ed25519').privateKey;
    const forged = await base();
    const forgedResult = resultOf(forged.id);
    service.sendSignedCommand(env.agentId, forged, { signWith: forgedKey });
    t.like(await forgedResult, { code: 'INVALID_SIGNATURE', status: 'rejected' });

    const expired = { ...(await base()), issuedAt: new Date(Date.now() - 20 * 60_000).toISOString(), expiresAt: new Date(Date.now() - 10 * 60_000).toISOString() };
    const expiredResult = resultOf(expired.id);
    service.sendSignedCommand(env.agentId, expired);
    t.like(await expiredResult, { code: 'EXPIRED' });

    const future = { ...(await base()), issuedAt: new Date(Date.now() + 10 * 60_000).toISOString(), expiresAt: new Date(Date.now() + 12 * 60_000).toISOString() };
    const futureResult = resultOf(future.id);
    service.sendSignedCommand(env.agentId, future);
    t.like(await futureResult, { code: 'EXPIRED' });

    const wrong = { ...(await base()), agentId: 'someone-else' };
    const wrongResult = resultOf(wrong.id);
    service.sendSignedCommand(env.agentId, wrong);
    t.like(await wrongResult, { code: 'WRONG_AGENT' });

    const unknownOp = { ...(await base()), op: 'deleteUser' };
    const unknownResult = resultOf(unknownOp.id);
    service.sendSignedCommand(env.agentId, unknownOp);
    t.like(await unknownResult, { code: 'UNSUPPORTED_OPERATION' });

    const reset = await service.buildCommand({ tenantId: env.tenantId, agentId: env.agentId, op: 'resetPassword', target: { by: 'uid', value: 'alice' }, secret: secret('Sealed-For-Other-1!') });
    const resealed = { ...reset, secret: { ...reset.secret!, iv: 'AAAAAAAAAAAAAAAA' } };
    const resealedResult = resultOf(resealed.id);
    service.sendSignedCommand(env.agentId, resealed);
    t.like(await resealedResult, { code: 'DECRYPTION_FAILED' });

    const malformed: Record<string, unknown> = { ...(await base()) };
    delete malformed['target'];
    const malformedResult = resultOf(String(malformed['id']));
    service.sendSignedCommand(env.agentId, malformed);
    t.like(await malformedResult, { code: 'MALFORMED' });
  });

  test.serial(titleFor(kind, 'a redelivered command is answered from the journal, not applied twice'), async (t) => {
    const { service } = env;
    const spec = {
      tenantId: env.tenantId,
      agentId: env.agentId,
      op: 'resetPassword',
      target: { by: 'uid' as const, value: 'bob' },
      params: { enforceMinimumAge: false },
      secret: secret('Bob-Once-2026!'),
    };
    const issued = service.issueCommand(spec);
    t.like(await issued.result, { code: 'OK' });
    // The same id again, as a node that lost the resultAck would send it: the agent answers from its
    // journal and the service keeps the first result.
    const again = service.waitFor('duplicateResult', (e) => e.result.commandId === issued.id, 10_000);
    service.sendSignedCommand(env.agentId, await service.buildCommand({ ...spec, id: issued.id }));
    t.true((await again).identical);
  });

  test.serial(titleFor(kind, 'the agent survives SIGKILL and finishes redelivered commands after a restart'), async (t) => {
    await env.agent!.stop('SIGKILL');
    const pending = env.command({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } });
    await env.startAgent();
    t.like(await pending, { code: 'OK' });
  });

  test.serial(titleFor(kind, 'the directory going away yields DIRECTORY_UNAVAILABLE, and the agent recovers'), async (t) => {
    await slapd.stop();
    t.like(await env.command({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } }), { code: 'DIRECTORY_UNAVAILABLE', status: 'failed' });
    await slapd.start();
    t.like(await env.command({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } }), { code: 'OK' });
  });

  test.serial(titleFor(kind, 'status reports the registration, the live session and the last permission check'), async (t) => {
    const status = await runCli(['status', '--config', env.configFile, '--json'], { env: env.env });
    t.is(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout);
    t.like(report, { registered: true, registration: { agentId: env.agentId }, agent: { running: true }, connection: { state: 'connected' } });
    // The agent's own memory figures, from its last status snapshot.
    t.true(report.memory.rssMb > report.memory.heapUsedMb && report.memory.heapUsedMb > 0, JSON.stringify(report.memory));
  });

  test.serial(titleFor(kind, 'SIGTERM stops the agent cleanly: exit 0, close 1001, within 10 s'), async (t) => {
    const closed = env.service.waitFor('agentDisconnected', (e) => e.agentId === env.agentId, 12_000);
    const started = Date.now();
    t.is(await env.agent!.stop('SIGTERM'), 0);
    t.true(Date.now() - started < 10_000);
    t.is((await closed).code, 1001);
    const audit = await runCli(['audit', 'verify', '--config', env.configFile], { env: env.env });
    t.is(audit.code, 0, audit.stdout + audit.stderr);
  });

  test.serial(titleFor(kind, 'no password used appears in any log, journal, audit, state file, stdout or stderr'), (t) => {
    // The scan reads every file: it finds the agent id, which is meant to be there.
    t.true(findSecrets([env.dir], [env.agentId]).length > 0);
    const hits = findSecrets([env.dir], passwordsUsed);
    t.deepEqual(hits, []);
  });
}
