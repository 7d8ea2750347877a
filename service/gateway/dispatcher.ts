import { errorName } from '../logger.js';
import { touchSessions } from '../store/agents.js';
import { pruneAuditCheckpointHistory } from '../store/audit-checkpoints.js';
import { claimCommands, expireCommands } from '../store/commands.js';
import { dropExpiredSessions } from '../store/helpdesk-sessions.js';
import type { AgentGateway } from './agent-gateway.js';
import { commandFrame } from './command-frame.js';
import { pingRound } from './liveness.js';
import type { NodeContext } from './node-context.js';
import type { Session } from './session.js';

const DAY_MS = 24 * 60 * 60_000;

/**
 * Claim-and-poll over the shared database: every `pollIntervalMs` each session held here with
 * credit claims queued commands of its tenant and sends them, never more than the hello's
 * maxInFlight outstanding. A command submitted on any node reaches the agent through the node
 * holding its connection. Housekeeping each heartbeat: ping and drop silent connections, refresh
 * last-seen, close sessions another node took over, expire what ran out of time (commands, help
 * desk sessions, audit checkpoint history past its retention), pick up changed signing keys.
 */
export class Dispatcher {
  readonly #context: NodeContext;
  readonly #gateway: AgentGateway;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Claims in flight, awaited by `stop` so none outlives the database. */
  readonly #claims = new Set<Promise<void>>();
  #stopped = false;

  constructor(context: NodeContext, gateway: AgentGateway) {
    this.#context = context;
    this.#gateway = gateway;
  }

  start(): void {
    const { commands, agents } = this.#context.config;
    this.#timers.push(setInterval(() => this.pumpAll(), commands.pollIntervalMs));
    this.#timers.push(setInterval(() => this.#gateway.track(this.#housekeeping()), agents.heartbeatIntervalMs));
    for (const timer of this.#timers) timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.all([...this.#claims]);
  }

  pumpAll(): void {
    for (const session of this.#gateway.sessions.values()) this.pump(session);
  }

  /** Fills the session's credit from the queue; one claim at a time per session. */
  pump(session: Session): void {
    if (this.#stopped || session.credit <= 0) return;
    if (session.pumping) {
      session.pumpAgain = true;
      return;
    }
    session.pumping = true;
    // The claim starts at the end of this turn: the results (or submissions) that arrive together
    // each ask for a pump, and one claim then takes the credit they all freed.
    const claim = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        session.pumpAgain = false;
        return this.#stopped || session.credit <= 0 ? false : this.#claim(session);
      })
      .then((full) => {
        session.pumping = false;
        // A full batch means more may be waiting, and a wake-up may have come meanwhile: go on at
        // once rather than at the next tick.
        if (full || session.pumpAgain) this.pump(session);
      })
      .catch((error: unknown) => {
        session.pumping = false;
        this.#context.logger.error('claiming commands failed', { agentId: session.agentId, error: errorName(error) });
      });
    this.#claims.add(claim);
    void claim.finally(() => this.#claims.delete(claim));
  }

  async #claim(session: Session): Promise<boolean> {
    const limit = session.credit;
    const claimed = await claimCommands(this.#context.store.db, this.#context.store.dialect, {
      tenantId: session.tenantId,
      agentId: session.agentId,
      sessionId: session.sessionId,
      limit,
      now: this.#context.now(),
    });
    for (const { command, sealed } of claimed) {
      if (command.has_secret === 1 && sealed === null) {
        // Pinned here by an earlier send but no copy for this agent: cannot happen unless the
        // secrets were dropped, and then the command can only expire.
        this.#context.logger.warn('no sealed secret for this agent; the command will expire', { agentId: session.agentId, commandId: command.id });
        continue;
      }
      session.outstanding.add(command.id);
      this.#gateway.sendRaw(session.connection, commandFrame(command, session.agentId, sealed, session.commandKey));
      this.#context.logger.debug('command sent', { agentId: session.agentId, commandId: command.id, kid: session.commandKey.kid, sends: command.sends, outstanding: session.outstanding.size });
      this.#context.hooks?.commandSent?.(session, command.id, command.sends);
    }
    return claimed.length === limit && !session.closed;
  }

  async #housekeeping(): Promise<void> {
    if (this.#stopped) return;
    const context = this.#context;
    pingRound(this.#gateway.connections, (connection) => context.logger.warn('agent connection silent for two intervals; dropping it', { connectionId: connection.id }));
    const held = new Map([...this.#gateway.sessions.values()].map((s) => [s.agentId, s.sessionId]));
    for (const agentId of await touchSessions(context.store.db, held, context.now())) {
      const session = this.#gateway.sessions.get(agentId);
      if (session !== undefined && session.sessionId === held.get(agentId)) await this.#gateway.lostSession(session);
    }
    const expired = await expireCommands(context.store.db, context.now(), context.config.agents.clockSkewMs);
    if (expired > 0) context.logger.info('commands expired', { count: expired });
    const { sessionMaxMs, sessionIdleMs } = context.config.helpdesk;
    const dropped = await dropExpiredSessions(context.store.db, { maxMs: sessionMaxMs, idleMs: sessionIdleMs }, context.now());
    if (dropped > 0) context.logger.debug('help desk sessions ran out', { count: dropped });
    await this.#gateway.refreshKeys();
    // Last: the one step nothing waits on, so a pruning that fails holds back none of the others.
    const cutoff = new Date(context.now().getTime() - context.config.agents.checkpointHistoryDays * DAY_MS);
    const pruned = await pruneAuditCheckpointHistory(context.store.db, context.store.dialect, cutoff);
    if (pruned > 0) context.logger.debug('audit checkpoint history pruned', { count: pruned });
  }
}
