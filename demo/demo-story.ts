import { Client } from 'ldapts';
import type { Operation, Result } from '../protocol/index.js';
import { SeededAccount } from '../directory-sim/seed/seeded-domain.js';
import { submitCommand } from '../service/commands/submit-command.js';
import { waitForCommand } from '../service/commands/command-view.js';
import { outcomeOf } from '../service/portal/result-words.js';
import type { DemoEnvironment } from './demo-environment.js';
import { sendForgedCommand } from './forged-command.js';

/** One step of the demo: what happens, and whether it went as expected. */
export interface DemoStep {
  title: string;
  run(env: DemoEnvironment, say: (line: string) => void): Promise<boolean>;
}

type Target = { by: 'sAMAccountName'; value: string };
const user = (sam: string): Target => ({ by: 'sAMAccountName', value: sam });

/** Passwords the demo uses (also what its secret check looks for in the agent's files). */
export const DemoPasswords = {
  aliceNew: 'Spring#Meadow2026',
  aliceAgain: 'Autumn#Leaves2026',
  bobOld: SeededAccount.bob.password,
  mallory: 'Takeover#2026x',
  patAdmin: 'Takeover#2026y',
  forged: 'Forged#Command2026',
} as const;

const RESULT_WAIT_MS = 15_000;

/** A command through the service as its admin API would queue it; resolves with the agent's stored result. */
async function issue(env: DemoEnvironment, op: Operation, target: Target | undefined, params: Record<string, unknown> = {}, secret?: Record<string, string>): Promise<Result> {
  const request = { op, params, ...(target ? { target } : {}), ...(secret ? { secret } : {}) };
  const { store, config } = env.service.context;
  const { id } = await submitCommand(store, { tenantId: env.tenant.id, request, submittedBy: 'demo', defaultTtlMs: config.commands.defaultTtlMs, now: new Date() });
  env.service.gateway.dispatcher.pumpAll();
  const view = await waitForCommand(store.db, env.tenant.id, id, { deadline: Date.now() + RESULT_WAIT_MS, pollMs: 25 });
  if (view.result === null) throw new Error(`command ${op} is ${view.state} after ${RESULT_WAIT_MS} ms`);
  return view.result;
}

function report(result: Result, say: (line: string) => void, action: 'reset' | 'unlock' = 'reset'): void {
  say(`   agent's answer: ${result.code} (${result.status}): ${result.message}`);
  say(`   the portal would say: "${outcomeOf(result, action).words}"`);
}

async function canSignIn(env: DemoEnvironment, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: env.directory.ldapsUrl!, tlsOptions: { ca: [env.tls.caPem] }, timeout: 5_000, connectTimeout: 5_000 });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export const DEMO_STORY: DemoStep[] = [
  {
    title: 'Alice forgot her password. The service asks the agent to reset it.',
    async run(env, say) {
      const result = await issue(env, 'resetPassword', user('alice'), { unlock: true }, { newPassword: DemoPasswords.aliceNew });
      report(result, say);
      const dn = `${SeededAccount.alice.rdn},${env.directory.baseDn}`;
      const works = result.code === 'OK' && (await canSignIn(env, dn, DemoPasswords.aliceNew));
      say(works ? '   ✓ Alice signs in to the directory with her new password.' : '   ✗ Alice cannot sign in with the new password.');
      return works;
    },
  },
  {
    title: 'Alice wants to change it again at once. The domain has a minimum password age of one day.',
    async run(env, say) {
      const result = await issue(env, 'changePassword', user('alice'), {}, { oldPassword: DemoPasswords.aliceNew, newPassword: DemoPasswords.aliceAgain });
      report(result, say);
      const allowedAt = result.details['allowedAt'];
      if (typeof allowedAt === 'string') say(`   The agent says exactly when: from ${allowedAt}, not "policy violation".`);
      return result.code === 'PASSWORD_TOO_YOUNG' && typeof allowedAt === 'string';
    },
  },
  {
    title: "Bob's reset asks for the password he already has. History is enforced on resets too.",
    async run(env, say) {
      const result = await issue(env, 'resetPassword', user('bob'), { enforceHistory: true, enforceMinimumAge: false }, { newPassword: DemoPasswords.bobOld });
      report(result, say);
      return result.code === 'PASSWORD_POLICY' && result.details['reason'] === 'HISTORY';
    },
  },
  {
    title: 'Someone asks for a reset of Mallory, a contractor outside the OU the agent may change.',
    async run(env, say) {
      const result = await issue(env, 'resetPassword', user('mallory'), {}, { newPassword: DemoPasswords.mallory });
      report(result, say);
      return result.code === 'OUT_OF_SCOPE';
    },
  },
  {
    title: 'Someone asks for a reset of Pat, a domain administrator (adminCount=1).',
    async run(env, say) {
      const result = await issue(env, 'resetPassword', user('pat.admin'), {}, { newPassword: DemoPasswords.patAdmin });
      report(result, say);
      return result.code === 'PROTECTED_ACCOUNT';
    },
  },
  {
    title: 'Dave locked himself out. He chooses "unlock only".',
    async run(env, say) {
      const before = await issue(env, 'getAccountState', user('dave'));
      say(`   before: locked=${String(before.details['locked'])}`);
      const result = await issue(env, 'unlockAccount', user('dave'));
      report(result, say, 'unlock');
      const after = await issue(env, 'getAccountState', user('dave'));
      say(`   after: locked=${String(after.details['locked'])}`);
      return before.details['locked'] === true && result.code === 'OK' && after.details['locked'] === false;
    },
  },
  {
    title: 'An attacker who took over the service network sends a reset signed with a key of their own.',
    async run(env, say) {
      const result = await sendForgedCommand(env, { op: 'resetPassword', target: user('alice'), params: {}, secret: { newPassword: DemoPasswords.forged } });
      report(result, say);
      const dn = `${SeededAccount.alice.rdn},${env.directory.baseDn}`;
      const untouched = await canSignIn(env, dn, DemoPasswords.aliceNew);
      say(untouched ? "   ✓ Alice's password is untouched." : "   ✗ Alice's password changed!");
      return result.code === 'INVALID_SIGNATURE' && untouched;
    },
  },
  {
    title: 'The admin asks the agent for its permission report (what check-permissions prints).',
    async run(env, say) {
      const result = await issue(env, 'checkPermissions', undefined);
      const checks = (result.details['checks'] ?? []) as { name: string; status?: string; ok: boolean; detail: string }[];
      for (const check of checks) say(`   ${(check.status ?? (check.ok ? 'OK' : 'MISSING')).padEnd(7)} ${check.name}: ${check.detail}`);
      const names = new Set(checks.map((c) => c.name));
      return result.code === 'OK' && ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy'].every((n) => names.has(n));
    },
  },
];
