import { randomUUID, type KeyObject } from 'node:crypto';
import {
  authenticateCommand,
  buildResult,
  checkTimeWindow,
  formatTime,
  isKnownOperation,
  openSecret,
  signResult,
  statusOfCode,
  type Command,
  type JsonObject,
  type ResultCode,
  type ResultMessage,
  type TrustedKeys,
} from '../../protocol/index.js';
import type { DirectoryConfig } from '../directory/directory-config.js';
import type { Logger } from '../logging/logger.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';
import { AgentError } from '../errors.js';
import { afterCorkedWrites } from '../net/coalesce-writes.js';
import { errorToOutcome, type Outcome } from './error-to-result.js';
import { assertOperationEnabled } from '../policy/portal-features.js';
import { executeOperation, policyRefusal } from './operations.js';
import type { AuditPort, JournalPort, RateLimiterPort, RedactorPort, Send } from './ports.js';
import { WorkQueue } from './work-queue.js';

/** SPEC.md's command id, a UUID: anything else named by an unauthenticated frame gets no answer. */
const COMMAND_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface PipelineOptions {
  agentId: string;
  tenantId: string;
  trustedKeys: TrustedKeys;
  signingKey: KeyObject;
  encryption: { privateKey: KeyObject; publicKey: KeyObject };
  directories: { config: DirectoryConfig; driver: DirectoryDriver }[];
  /** Used by commands without `directory`; default the first directory. */
  defaultDirectory?: string | null;
  journal: JournalPort;
  audit: AuditPort;
  redactor: RedactorPort;
  rateLimiter: RateLimiterPort;
  logger: Logger;
  send: Send;
  maxInFlight: number;
  clockSkewMs: number;
  now?: () => Date;
}

/** Commands in flight up to which a command's lookup is sent before its secret is opened. */
const OVERLAP_UP_TO = 4;

/**
 * The command pipeline of SPEC.md sections 6 and 7: authenticate, record, acknowledge, then the
 * remaining steps per command with one dispatch point turning any error into a signed result.
 */
export class CommandPipeline {
  readonly #queue: WorkQueue;
  readonly #active = new Set<string>();
  readonly #now: () => Date;
  #accepting = true;
  #auditFailing = false;
  readonly stats = { received: 0, completed: 0, ignored: 0 };

  constructor(private readonly o: PipelineOptions) {
    this.#queue = new WorkQueue(o.maxInFlight);
    this.#now = o.now ?? (() => new Date());
  }

  get inFlight(): number {
    return this.#active.size;
  }

  /** After `welcome`: re-send every result the service has not acknowledged. */
  resendUnacknowledged(): void {
    for (const entry of this.o.journal.unacknowledged()) {
      if (entry.result !== null) this.o.send(entry.result as ResultMessage);
    }
  }

  /** A frame from the service (other than the handshake's). Never throws. */
  handleFrame(raw: JsonObject): void {
    try {
      if (raw['type'] === 'command') this.#onCommand(raw);
      else if (raw['type'] === 'resultAck') this.#onResultAck(raw);
      else {
        this.stats.ignored++;
        this.o.logger.warn('ignored a message of an unknown type', { type: typeof raw['type'] === 'string' ? raw['type'].slice(0, 40) : typeof raw['type'] });
      }
    } catch (error) {
      this.o.logger.error('unexpected error while handling a frame', { error: describe(error) });
    }
  }

  /** Stops taking commands and waits for those in flight (up to `timeoutMs`). */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#accepting = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = this.#queue.idle().then(() => true);
    const finished = await Promise.race([done, timeout]);
    clearTimeout(timer);
    return finished;
  }

  #onResultAck(raw: JsonObject): void {
    const id = raw['commandId'];
    if (typeof id !== 'string' || id.length > 64) return;
    this.o.journal.acknowledge(id).catch((error: unknown) => this.o.logger.error('could not record a resultAck', { commandId: id, error: describe(error) }));
  }

  #onCommand(raw: JsonObject): void {
    if (!this.#accepting) return; // shutting down: the service redelivers after reconnect
    const o = this.o;
    const arrived = performance.now();
    const auth = authenticateCommand(raw, { trusted: o.trustedKeys, agentId: o.agentId, tenantId: o.tenantId });
    if (!auth.ok) {
      o.logger.warn('refused a command before recording it', { code: auth.code, reason: auth.reason, commandId: auth.commandId });
      // Not recorded and no ack (SPEC.md section 7), so a forged frame cannot poison a real id. Answered
      // only for a well-formed id the journal does not hold (a real command's result stands), and
      // marked, so that a service never takes it as the result of a command it signed.
      const id = auth.commandId;
      if (id !== null && COMMAND_ID.test(id) && o.journal.get(id) === undefined) {
        o.send(this.#sign(id, { code: auth.code, message: auth.reason, details: { preAuthentication: true } }));
      }
      return;
    }
    const command = auth.message.command;
    const known = o.journal.get(command.id);
    if (known !== undefined) {
      if (known.result !== null) {
        o.send(known.result as ResultMessage);
        return;
      }
      if (this.#active.has(command.id)) return; // still in progress: nothing more
      // In flight when the agent stopped (received or applying: the write may have happened either
      // way, as `applying` is not fsync'd): finish it now, checking the directory before any write.
      this.#start(command, { maybeApplied: true, arrived });
      return;
    }
    this.stats.received++;
    const recorded = o.journal.begin(command.id, {
      op: command.op,
      target: command.target ? { by: command.target.by, value: command.target.value } : null,
      directory: command.directory ?? this.#defaultDirectory(),
      receivedAt: formatTime(this.#now()),
      expiresAt: command.expiresAt,
    });
    recorded.then(
      () => o.send({ type: 'ack', commandId: command.id }),
      (error: unknown) => o.logger.error('could not record a command in the journal; it was not acknowledged and will be redelivered', { commandId: command.id, error: describe(error) }),
    );
    if (this.#active.size >= o.maxInFlight) {
      // More than the service may have outstanding (hello's maxInFlight): answered BUSY, recorded
      // like any result, instead of queueing without bound.
      this.#active.add(command.id);
      void this.#process(command, false, recorded, arrived, {
        code: 'BUSY',
        message: `more than ${o.maxInFlight} commands in flight (the agent's maxInFlight); try again later`,
        details: { maxInFlight: o.maxInFlight },
      });
      return;
    }
    // The checks (lookup, scope, policy) run while the record is being made durable: nothing is
    // written to the directory before it is (markApplying waits for it, being later in the same
    // file), and no result is sent for a command that could not be recorded.
    this.#start(command, { maybeApplied: false, arrived, recorded });
  }

  #defaultDirectory(): string {
    return this.o.defaultDirectory ?? this.o.directories[0]?.config.id ?? 'default';
  }

  /**
   * Queues a command behind earlier ones for the same target. `maybeApplied`: it was mid-write
   * when the agent last stopped; `arrived`: performance.now() at receipt; `recorded`: its journal
   * record becoming durable (already durable when redelivered).
   */
  #start(command: Command, how: { maybeApplied: boolean; arrived: number; recorded?: Promise<void> }): void {
    this.#active.add(command.id);
    const { maybeApplied, arrived, recorded = Promise.resolve() } = how;
    const key = command.target ? `${command.directory ?? ''}\u0000${command.target.by}\u0000${command.target.value.toLowerCase()}` : `\u0000${command.id}`;
    void this.#queue.run(key, () => this.#process(command, maybeApplied, recorded, arrived));
  }

  /** Runs the steps (or takes `refusal` as the outcome without them), then records, signs and sends the result. */
  async #process(command: Command, maybeApplied: boolean, recorded: Promise<void>, arrived: number, refusal?: Outcome): Promise<void> {
    const o = this.o;
    let dn: string | null = null;
    const held: { secret: Record<string, string> | null } = { secret: null };
    const forgetSecret = (): void => {
      if (held.secret !== null) for (const item of Object.values(held.secret)) o.redactor.untrack(item);
    };
    let outcome: Outcome;
    const incident = randomUUID();
    try {
      if (refusal !== undefined) throw new AgentError(refusal.code, refusal.message, { details: refusal.details });
      outcome = await this.#steps(
        command,
        maybeApplied,
        recorded,
        (value) => {
          held.secret = value;
          for (const item of Object.values(value)) o.redactor.track(item);
        },
        (resolvedDn) => {
          dn = resolvedDn;
        },
      );
    } catch (error) {
      outcome = errorToOutcome(error, incident);
      if (outcome.code === 'INTERNAL') o.logger.error('command failed unexpectedly', { commandId: command.id, incident, error: describe(error) });
    }
    if (
      !(await recorded.then(
        () => true,
        () => false,
      ))
    ) {
      // Never recorded (logged where begin failed): no ack, no result; the service redelivers it.
      this.#active.delete(command.id);
      forgetSecret();
      return;
    }
    const signed = this.#sign(command.id, outcome);
    try {
      await o.journal.complete(command.id, signed);
    } catch (error) {
      o.logger.error('could not record a result in the journal', { commandId: command.id, error: describe(error) });
    }
    o.send(signed);
    this.stats.completed++;
    this.#active.delete(command.id);
    // ms: from the frame's arrival to the result's sending (journal, directory and queueing included).
    o.logger.info('command finished', { commandId: command.id, op: command.op, code: outcome.code, dn, ms: Math.round((performance.now() - arrived) * 10) / 10 });
    // Lines are redacted when logged: this command's last line is out, so its secrets can go.
    forgetSecret();
    // Not awaited: the line joins the audit log's next group commit, and the command's slot is
    // free meanwhile (the runtime closes the audit log, waiting for it, after draining).
    o.audit
      .record({
        commandId: command.id,
        op: command.op,
        directory: command.directory ?? this.#defaultDirectory(),
        dn,
        code: signed.result.code,
        status: signed.result.status,
        at: signed.result.completedAt,
      })
      .then(
        () => {
          this.#auditFailing = false;
        },
        (error: unknown) => {
          // Once per outage, not once per command.
          if (!this.#auditFailing) o.logger.error('could not write the audit log; commands go on, unaudited, until it can be written', { commandId: command.id, error: describe(error) });
          this.#auditFailing = true;
        },
      );
  }

  async #steps(command: Command, maybeApplied: boolean, recorded: Promise<void>, holdSecret: (secret: Record<string, string>) => void, resolved: (dn: string) => void): Promise<Outcome> {
    const o = this.o;
    const windowProblem = checkTimeWindow(command, this.#now(), o.clockSkewMs);
    // Expired, but it was mid-write when the agent stopped: not acted on again, yet the password
    // may be in place, so "refused before touching the directory" could be false (checked below).
    if (windowProblem !== null && !maybeApplied) throw new AgentError('EXPIRED', windowProblem);
    // Its id may have been compacted out of the journal: refused whatever this machine's clock says.
    const horizon = o.journal.replayHorizon?.() ?? null;
    if (horizon !== null && Date.parse(command.expiresAt) <= horizon && !maybeApplied) {
      throw new AgentError('EXPIRED', 'the command expires no later than commands whose ids the journal no longer keeps: it may be a replay');
    }
    if (!isKnownOperation(command.op)) throw new AgentError('UNSUPPORTED_OPERATION', 'this agent does not support that operation');
    const directoryId = command.directory ?? this.#defaultDirectory();
    const directory = o.directories.find((d) => d.config.id === directoryId);
    if (directory !== undefined) assertOperationEnabled(command.op, directory.config);
    // When the agent is not busy, the target's lookup (a read) goes out first and the decryption's
    // CPU time overlaps its round trip. Busy, it would only cost: the extra turns of the event loop
    // break up coalesced writes, and the CPU is the limit then, not the round trip. The outcome
    // keeps SPEC.md's order either way: a secret that cannot be opened answers DECRYPTION_FAILED
    // whatever the lookup found.
    let lookup: Promise<DirectoryUser> | undefined;
    if (this.#active.size <= OVERLAP_UP_TO && command.secret !== undefined && command.target !== undefined && directory !== undefined && windowProblem === null) {
      lookup = directory.driver.resolveUser(command.target);
      lookup.catch(() => undefined); // settled by executeOperation, or dropped when decryption fails
      await afterCorkedWrites();
    }
    let secret: Record<string, string> | null = null;
    if (command.secret !== undefined) {
      const opened = openSecret(command.secret, o.encryption.privateKey, o.encryption.publicKey, command.id);
      if (!opened.ok) throw new AgentError('DECRYPTION_FAILED', `cannot open the sealed secret: ${opened.reason}`);
      secret = opened.secret;
      holdSecret(secret);
    }
    if (directory === undefined) {
      throw new AgentError('OUT_OF_SCOPE', 'the command names a directory this agent does not serve', { details: { directory: directoryId } });
    }
    if (windowProblem !== null) {
      const newPassword = secret?.['newPassword'];
      if (newPassword !== undefined && command.target !== undefined) {
        const user = await directory.driver.resolveUser(command.target);
        resolved(user.dn);
        // The agent would not have written to an account it may not change: no probe (a bind) there.
        if ((await policyRefusal(user, command.op, directory.driver, directory.config)) === null && (await directory.driver.passwordAlreadyApplied(user, newPassword, new Date(command.issuedAt)))) {
          const appliedAt = formatTime(user.passwordLastSet ?? this.#now());
          return { code: 'OK', message: 'password set before the agent restarted (the command expired since; nothing more was done)', details: { dn: user.dn, appliedAt, alreadyApplied: true } };
        }
      }
      throw new AgentError('EXPIRED', windowProblem);
    }
    return executeOperation(command, secret, {
      driver: directory.driver,
      config: directory.config,
      rateLimiter: o.rateLimiter,
      now: this.#now,
      maybeApplied,
      ...(lookup === undefined ? {} : { lookup }),
      // The command's own record must be on disk (it may still be on its way); "applying" is a
      // note that need not be.
      beforeWrite: async () => {
        await recorded;
        o.journal.markApplying(command.id).catch((error: unknown) => o.logger.error('could not note a command as applying in the journal', { commandId: command.id, error: describe(error) }));
      },
      resolved,
      logger: o.logger,
    });
  }

  #sign(commandId: string, outcome: Outcome): ResultMessage {
    const code: ResultCode = outcome.code;
    // Refused by the agent's own pre-check (e.g. length) before any write: rejected, not failed.
    const status = outcome.details['checkedBy'] === 'agent' ? 'rejected' : statusOfCode[code];
    const result = buildResult({ commandId, agentId: this.o.agentId, code, message: outcome.message, details: outcome.details, status, completedAt: this.#now() });
    return signResult(result, this.o.signingKey);
  }
}

function describe(error: unknown): string {
  if (error instanceof AgentError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
