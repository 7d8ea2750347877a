/**
 * What the agent does with an authenticated, recorded command: SPEC.md section 7's steps 5 to 11
 * (docs/protocol.md, "What the agent does with a command"), written once and in that order.
 * Steps 1 to 4 (schema, signature, tenant and agent, a known id) run in command-pipeline.ts before
 * the command is journaled and acknowledged; the result is signed and sent there too.
 *
 *   5  the time window                    checkTimeWindow        [EXPIRED]
 *   6  the operation is known             checkOperation         [UNSUPPORTED_OPERATION]
 *   7  the secret opens                   openCommandSecret      [DECRYPTION_FAILED]
 *      the directory is one of the agent's                       [OUT_OF_SCOPE]
 *   8  the target resolves to one user    resolveTarget          [USER_NOT_FOUND, AMBIGUOUS_USER]
 *   9  scope and protected accounts       enforceAccountPolicy   [OUT_OF_SCOPE, PROTECTED_ACCOUNT, BUSY]
 *      (after a crash: already applied?)  alreadyApplied
 *  10  the minimum password age           enforceMinimumAge      [PASSWORD_TOO_YOUNG]
 *  11  the change in the directory        applyOperation (apply-operation.ts)
 *
 * An expired command that was mid-write when the agent stopped takes one detour after step 9:
 * the directory is asked whether the password is already in place, and nothing more is done.
 */
import type { KeyObject } from 'node:crypto';
import { checkTimeWindow, isKnownOperation, openSecret, type Command } from '../../protocol/index.js';
import type { DirectoryConfig } from '../directory/directory-config.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';
import { AgentError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { afterCorkedWrites } from '../net/coalesce-writes.js';
import { accountPolicyRefusal, WRITE_OPERATIONS } from '../policy/account-policy.js';
import { minimumAgeApplies, minimumAgeRefusal } from '../policy/min-age.js';
import { assertOperationEnabled } from '../policy/portal-features.js';
import { alreadyAppliedOutcome, mayAlreadyHold, probeAlreadyApplied } from './already-applied.js';
import { applyOperation, permissionOutcome, type OperationContext, type Passwords } from './apply-operation.js';
import { describeError, type Outcome } from './error-to-result.js';
import type { JournalPort, RateLimiterPort, RedactorPort } from './ports.js';

/** One configured directory and its driver. */
export interface ServedDirectory {
  config: DirectoryConfig;
  driver: DirectoryDriver;
}

/** One command on its way through the steps; the pipeline reads `secret` and `dn` when it ends. */
export interface CommandRun {
  readonly command: Command;
  /** The directory the command addresses (its `directory`, else the default), chosen once. */
  readonly directoryId: string;
  /** That directory, when the agent serves it. */
  readonly directory: ServedDirectory | undefined;
  /** It was in flight when the agent last stopped: the write may have happened. */
  readonly maybeApplied: boolean;
  /** Its journal record becoming durable (already durable when redelivered). */
  readonly recorded: Promise<void>;
  /** The opened secret while the command holds it (tracked by the redactor until the pipeline lets go). */
  secret: Record<string, string> | null;
  /** The DN the target resolved to, for the log line and the audit record. */
  dn: string | null;
}

/** What the steps use of the agent. */
export interface StepDeps {
  encryption: { privateKey: KeyObject; publicKey: KeyObject };
  journal: Pick<JournalPort, 'markApplying' | 'replayHorizon'>;
  redactor: RedactorPort;
  rateLimiter: RateLimiterPort;
  logger: Logger;
  clockSkewMs: number;
  now: () => Date;
  /** Commands in flight now, this one included. */
  inFlight: () => number;
}

/** Commands in flight up to which a command's lookup is sent before its secret is opened. */
const OVERLAP_UP_TO = 4;

/** Runs steps 5 to 11 for one command; throws AgentError for a refusal (the pipeline's dispatch point turns it into a result). */
export async function runCommandSteps(run: CommandRun, deps: StepDeps): Promise<Outcome> {
  const { command } = run;
  const expired = checkWindow(run, deps); // 5
  checkOperation(run); // 6
  const lookup = lookupEarly(run, deps, expired);
  if (lookup !== undefined) await afterCorkedWrites();
  openCommandSecret(run, deps); // 7
  const directory = servedDirectory(run);
  if (expired !== null) return expiredButMaybeApplied(run, directory, expired, deps);
  if (command.op === 'checkPermissions' && command.target === undefined) return permissionOutcome(await directory.driver.checkPermissions({}));
  const user = await resolveTarget(run, directory, lookup); // 8
  await enforceAccountPolicy(run, directory, user, deps); // 9
  const passwords = passwordsOf(run);
  if (passwords !== null) {
    const applied = await alreadyApplied(run, directory, user, passwords.newPassword, deps);
    if (applied !== null) return applied;
  }
  await enforceMinimumAge(command, directory, user, deps); // 10
  if (WRITE_OPERATIONS.has(command.op)) await noteApplying(run, deps);
  const context: OperationContext = { driver: directory.driver, config: directory.config, now: deps.now, logger: deps.logger };
  return applyOperation(command, user, run.secret, passwords, context); // 11
}

/**
 * Step 5. Expired commands are refused, unless the command was mid-write when the agent stopped:
 * then the password may be in place and "refused before touching the directory" could be false,
 * so the problem is returned and decided after step 9.
 */
function checkWindow(run: CommandRun, deps: StepDeps): string | null {
  const { command, maybeApplied } = run;
  const problem = checkTimeWindow(command, deps.now(), deps.clockSkewMs);
  if (problem !== null && !maybeApplied) throw new AgentError('EXPIRED', problem);
  // Its id may have been compacted out of the journal: refused whatever this machine's clock says.
  const horizon = deps.journal.replayHorizon?.() ?? null;
  if (horizon !== null && Date.parse(command.expiresAt) <= horizon && !maybeApplied) {
    throw new AgentError('EXPIRED', 'the command expires no later than commands whose ids the journal no longer keeps: it may be a replay');
  }
  return problem;
}

/** Step 6: an operation this agent knows, and a portal operation only where its directory turned it on. */
function checkOperation(run: CommandRun): void {
  if (!isKnownOperation(run.command.op)) throw new AgentError('UNSUPPORTED_OPERATION', 'this agent does not support that operation');
  if (run.directory !== undefined) assertOperationEnabled(run.command.op, run.directory.config);
}

/**
 * When the agent is not busy, the target's lookup (a read) goes out before the secret is opened, so
 * the decryption's CPU time overlaps its round trip. Busy, it would only cost: the extra turns of
 * the event loop break up coalesced writes, and the CPU is the limit then, not the round trip. The
 * outcome keeps SPEC.md's order either way: a secret that cannot be opened answers
 * DECRYPTION_FAILED whatever the lookup found.
 */
function lookupEarly(run: CommandRun, deps: StepDeps, expired: string | null): Promise<DirectoryUser> | undefined {
  const { command, directory } = run;
  if (deps.inFlight() > OVERLAP_UP_TO || command.secret === undefined || command.target === undefined || directory === undefined || expired !== null) return undefined;
  const lookup = directory.driver.resolveUser(command.target);
  lookup.catch(() => undefined); // settled by resolveTarget, or dropped when decryption fails
  return lookup;
}

/** Step 7: the sealed secret opens with the agent's key and this command's id; its values are redacted from the log from now on. */
function openCommandSecret(run: CommandRun, deps: StepDeps): void {
  const { command } = run;
  if (command.secret === undefined) return;
  const opened = openSecret(command.secret, deps.encryption.privateKey, deps.encryption.publicKey, command.id);
  if (!opened.ok) throw new AgentError('DECRYPTION_FAILED', `cannot open the sealed secret: ${opened.reason}`);
  run.secret = opened.secret;
  for (const item of Object.values(opened.secret)) deps.redactor.track(item);
}

/** The addressed directory, or OUT_OF_SCOPE: the agent does not serve it. */
function servedDirectory(run: CommandRun): ServedDirectory {
  if (run.directory === undefined) throw new AgentError('OUT_OF_SCOPE', 'the command names a directory this agent does not serve', { details: { directory: run.directoryId } });
  return run.directory;
}

/** Step 8: exactly one user (the lookup may be under way already). */
async function resolveTarget(run: CommandRun, directory: ServedDirectory, lookup: Promise<DirectoryUser> | undefined): Promise<DirectoryUser> {
  const user = await (lookup ?? directory.driver.resolveUser(run.command.target!));
  run.dn = user.dn;
  return user;
}

/** Step 9: scope and protected accounts (with the protected self-service opt-in), then the per-account rate limit of writes. */
async function enforceAccountPolicy(run: CommandRun, directory: ServedDirectory, user: DirectoryUser, deps: StepDeps): Promise<void> {
  const { command } = run;
  const refusal = await accountPolicyRefusal(command, user, directory.driver, directory.config, { logger: deps.logger });
  if (refusal !== null) throw refusal;
  if (!WRITE_OPERATIONS.has(command.op)) return;
  // Keyed by DN, so different identifiers of one account share the limit.
  const decision = deps.rateLimiter.take(`${directory.config.id}\n${user.dn.toLowerCase()}`);
  if (!decision.allowed) {
    throw new AgentError('BUSY', 'too many changes for this account in the last minute; try again later', { details: { dn: user.dn, retryAfter: decision.retryAfter } });
  }
}

/** The passwords of a password operation, each required in the secret [DECRYPTION_FAILED]; null for other operations. */
function passwordsOf(run: CommandRun): Passwords | null {
  const { command, secret } = run;
  if (command.op === 'resetPassword') return { newPassword: required(secret, 'newPassword') };
  if (command.op === 'changePassword') {
    const oldPassword = required(secret, 'oldPassword');
    return { oldPassword, newPassword: required(secret, 'newPassword') };
  }
  return null;
}

function required(secret: Record<string, string> | null, name: string): string {
  const value = secret?.[name];
  if (typeof value !== 'string' || value.length === 0) throw new AgentError('DECRYPTION_FAILED', `the sealed secret has no ${name}`);
  return value;
}

const DONE_MESSAGE: Readonly<Record<string, string>> = { resetPassword: 'password reset', changePassword: 'password changed' };

/**
 * A crash between the write and the result: the applied password is recognised before the
 * minimum-age check, which the write itself would now fail. Probed only when it may be there.
 */
async function alreadyApplied(run: CommandRun, directory: ServedDirectory, user: DirectoryUser, newPassword: string, deps: StepDeps): Promise<Outcome | null> {
  const { command } = run;
  if (!mayAlreadyHold(user, command, run.maybeApplied)) return null;
  if (!(await probeAlreadyApplied(directory.driver, user, newPassword, command))) return null;
  return alreadyAppliedOutcome(user, `${DONE_MESSAGE[command.op] ?? command.op} (already applied before the agent restarted)`, deps.now());
}

/** Step 10: the one minimum-age decision (agent/policy/min-age.ts), on the policy the driver reports for the user. */
async function enforceMinimumAge(command: Command, directory: ServedDirectory, user: DirectoryUser, deps: StepDeps): Promise<void> {
  if (!minimumAgeApplies(command, user)) return;
  const policy = await directory.driver.passwordPolicy(user);
  const refusal = minimumAgeRefusal(user, policy.minAgeMs, deps.now());
  if (refusal !== null) throw refusal;
}

/** Just before the write: the command's own record must be on disk (it may still be on its way); "applying" is a note that need not be. */
async function noteApplying(run: CommandRun, deps: StepDeps): Promise<void> {
  await run.recorded;
  deps.journal
    .markApplying(run.command.id)
    .catch((error: unknown) => deps.logger.error('could not note a command as applying in the journal', { commandId: run.command.id, error: describeError(error) }));
}

/**
 * The expired command that was mid-write when the agent stopped: not acted on again, but when its
 * new password is in place the truthful answer is that it was applied. The agent would not have
 * written to an account it may not change, so there is no probe (a bind) there.
 */
async function expiredButMaybeApplied(run: CommandRun, directory: ServedDirectory, problem: string, deps: StepDeps): Promise<Outcome> {
  const { command } = run;
  const newPassword = run.secret?.['newPassword'];
  if (newPassword !== undefined && command.target !== undefined) {
    const user = await resolveTarget(run, directory, undefined);
    if ((await accountPolicyRefusal(command, user, directory.driver, directory.config, null)) === null && (await probeAlreadyApplied(directory.driver, user, newPassword, command))) {
      return alreadyAppliedOutcome(user, 'password set before the agent restarted (the command expired since; nothing more was done)', deps.now());
    }
  }
  throw new AgentError('EXPIRED', problem);
}
