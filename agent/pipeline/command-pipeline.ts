import { randomUUID, type KeyObject } from 'node:crypto';
import { authenticateCommand, buildResult, formatTime, signResult, statusOfCode, type Command, type JsonObject, type ResultCode, type ResultMessage, type TrustedKeys } from '../../protocol/index.js';
import { selectedDirectoryId, type DirectoryChoice } from '../config/select-directory.js';
import type { Logger } from '../logging/logger.js';
import { AgentError } from '../errors.js';
import { runCommandSteps, type CommandRun, type ServedDirectory, type StepDeps } from './command-steps.js';
import { describeError, errorToOutcome, type Outcome } from './error-to-result.js';
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
  directories: ServedDirectory[];
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

/**
 * The command pipeline of SPEC.md sections 6 and 7: steps 1 to 4, record, acknowledge, then steps
 * 5 to 11 per command (command-steps.ts) with one dispatch point turning any error into a signed
 * result, which is journaled, sent and audited here.
 */
export class CommandPipeline {
  readonly #queue: WorkQueue;
  readonly #active = new Set<string>();
  readonly #now: () => Date;
  #accepting = true;
  #auditFailing = false;
  readonly #choice: DirectoryChoice;
  readonly #served: ReadonlyMap<string, ServedDirectory>;
  readonly #deps: StepDeps;
  readonly stats = { received: 0, completed: 0, ignored: 0 };

  constructor(private readonly o: PipelineOptions) {
    this.#queue = new WorkQueue(o.maxInFlight);
    this.#now = o.now ?? (() => new Date());
    this.#choice = { directories: o.directories.map((d) => ({ id: d.config.id })), defaultDirectory: o.defaultDirectory ?? null };
    this.#served = new Map(o.directories.map((d) => [d.config.id, d]));
    this.#deps = {
      encryption: o.encryption,
      journal: o.journal,
      redactor: o.redactor,
      rateLimiter: o.rateLimiter,
      logger: o.logger,
      clockSkewMs: o.clockSkewMs,
      now: this.#now,
      inFlight: () => this.#active.size,
    };
  }

  get inFlight(): number {
    return this.#active.size;
  }

  /** After `welcome`: re-send every result the service has not acknowledged. */
  resendUnacknowledged(): void {
    for (const entry of this.o.journal.unacknowledged()) this.o.send(entry.result);
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
      this.o.logger.error('unexpected error while handling a frame', { error: describeError(error) });
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
    this.o.journal.acknowledge(id).catch((error: unknown) => this.o.logger.error('could not record a resultAck', { commandId: id, error: describeError(error) }));
  }

  #onCommand(raw: JsonObject): void {
    if (!this.#accepting) return; // shutting down: the service redelivers after reconnect
    const o = this.o;
    const arrived = performance.now();
    // Steps 1 to 3: schema [MALFORMED], signature [INVALID_SIGNATURE], tenant and agent [WRONG_AGENT].
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
    // Step 4: a known id is answered from the journal, whatever its time window.
    const known = o.journal.get(command.id);
    if (known !== undefined) {
      if (known.result !== null) {
        o.send(known.result);
        return;
      }
      if (this.#active.has(command.id)) return; // still in progress: nothing more
      // In flight when the agent stopped (received or applying: the write may have happened either
      // way, as `applying` is not fsync'd): finish it now, checking the directory before any write.
      this.#start(this.#run(command, true, Promise.resolve()), arrived);
      return;
    }
    this.stats.received++;
    const run = this.#run(command, false, null);
    const recorded = run.recorded;
    recorded.then(
      () => o.send({ type: 'ack', commandId: command.id }),
      (error: unknown) => o.logger.error('could not record a command in the journal; it was not acknowledged and will be redelivered', { commandId: command.id, error: describeError(error) }),
    );
    if (this.#active.size >= o.maxInFlight) {
      // More than the service may have outstanding (hello's maxInFlight): answered BUSY, recorded
      // like any result, instead of queueing without bound.
      this.#active.add(command.id);
      void this.#process(run, arrived, {
        code: 'BUSY',
        message: `more than ${o.maxInFlight} commands in flight (the agent's maxInFlight); try again later`,
        details: { maxInFlight: o.maxInFlight },
      });
      return;
    }
    // The checks (lookup, scope, policy) run while the record is being made durable: nothing is
    // written to the directory before it is (the steps wait for it before the write), and no
    // result is sent for a command that could not be recorded.
    this.#start(run, arrived);
  }

  /**
   * A command's run: its directory chosen once, and its journal record (begun now for a new
   * command, `recorded` when it is durable already).
   */
  #run(command: Command, maybeApplied: boolean, recorded: Promise<void> | null): CommandRun {
    const directoryId = selectedDirectoryId(this.#choice, command.directory) ?? 'default';
    const begun =
      recorded ??
      this.o.journal.begin(command.id, {
        op: command.op,
        target: command.target ? { by: command.target.by, value: command.target.value } : null,
        directory: directoryId,
        receivedAt: formatTime(this.#now()),
        expiresAt: command.expiresAt,
      });
    return { command, directoryId, directory: this.#served.get(directoryId), maybeApplied, recorded: begun, secret: null, dn: null };
  }

  /** Queues a command behind earlier ones for the same target; `arrived` is performance.now() at receipt. */
  #start(run: CommandRun, arrived: number): void {
    const { command } = run;
    this.#active.add(command.id);
    const key = command.target ? `${run.directoryId}\u0000${command.target.by}\u0000${command.target.value.toLowerCase()}` : `\u0000${command.id}`;
    void this.#queue.run(key, () => this.#process(run, arrived));
  }

  /** Runs the steps (or takes `refusal` as the outcome without them), then records, signs and sends the result. */
  async #process(run: CommandRun, arrived: number, refusal?: Outcome): Promise<void> {
    const o = this.o;
    const { command } = run;
    let outcome: Outcome;
    const incident = randomUUID();
    try {
      if (refusal !== undefined) throw new AgentError(refusal.code, refusal.message, { details: refusal.details });
      outcome = await runCommandSteps(run, this.#deps);
    } catch (error) {
      outcome = errorToOutcome(error, incident);
      if (outcome.code === 'INTERNAL') o.logger.error('command failed unexpectedly', { commandId: command.id, incident, error: describeError(error) });
    }
    if (
      !(await run.recorded.then(
        () => true,
        () => false,
      ))
    ) {
      // Never recorded (logged where begin failed): no ack, no result; the service redelivers it.
      this.#active.delete(command.id);
      this.#forgetSecret(run);
      return;
    }
    const signed = this.#sign(command.id, outcome);
    try {
      await o.journal.complete(command.id, signed);
    } catch (error) {
      o.logger.error('could not record a result in the journal', { commandId: command.id, error: describeError(error) });
    }
    o.send(signed);
    this.stats.completed++;
    this.#active.delete(command.id);
    // ms: from the frame's arrival to the result's sending (journal, directory and queueing included).
    o.logger.info('command finished', { commandId: command.id, op: command.op, code: outcome.code, dn: run.dn, ms: Math.round((performance.now() - arrived) * 10) / 10 });
    // Lines are redacted when logged: this command's last line is out, so its secrets can go.
    this.#forgetSecret(run);
    // Not awaited: the line joins the audit log's next group commit, and the command's slot is
    // free meanwhile (the runtime closes the audit log, waiting for it, after draining).
    o.audit
      .record({
        commandId: command.id,
        op: command.op,
        directory: run.directoryId,
        dn: run.dn,
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
          if (!this.#auditFailing) o.logger.error('could not write the audit log; commands go on, unaudited, until it can be written', { commandId: command.id, error: describeError(error) });
          this.#auditFailing = true;
        },
      );
  }

  #forgetSecret(run: CommandRun): void {
    if (run.secret !== null) for (const item of Object.values(run.secret)) this.o.redactor.untrack(item);
  }

  #sign(commandId: string, outcome: Outcome): ResultMessage {
    const code: ResultCode = outcome.code;
    // Refused by the agent's own pre-check (e.g. length) before any write: rejected, not failed.
    const status = outcome.details['checkedBy'] === 'agent' ? 'rejected' : statusOfCode[code];
    const result = buildResult({ commandId, agentId: this.o.agentId, code, message: outcome.message, details: outcome.details, status, completedAt: this.#now() });
    return signResult(result, this.o.signingKey);
  }
}
