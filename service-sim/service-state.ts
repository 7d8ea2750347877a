import { DEFAULT_CLOCK_SKEW_MS, type Result, type ServiceKeysMessage, type Subprotocol } from '../protocol/index.js';
import { AgentRegistry, type RegisteredAgent } from './agent-registry.js';
import type { HeldCheckpoint } from './audit-checkpoints.js';
import { CommandSigner } from './command-signer.js';
import type { Connection } from './connection.js';
import { TypedEvents } from './events.js';
import {
  DEFAULT_COMMAND_TTL_MS,
  DEFAULT_FEATURES,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_SUBPROTOCOLS,
  silentLogger,
  systemClock,
  type Clock,
  type RandomSource,
  type ServiceLogger,
  type ServiceSimOptions,
} from './options.js';
import { cryptoRandom } from './randomness.js';
import { RegistrationTokens } from './registration-tokens.js';
import { ResultStore } from './result-store.js';
import type { ServiceEvents } from './service-events.js';
import type { Session } from './session.js';
import { SigningKeys } from './signing-keys.js';
import { Transcript } from './transcript.js';

/** Everything the service knows, shared by the wire side (agent-gateway.ts) and the API (service-sim.ts). */
export class ServiceState {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: ServiceLogger;
  readonly heartbeatIntervalMs: number;
  readonly helloTimeoutMs: number;
  readonly clockSkewMs: number;
  readonly defaultTtlMs: number;
  readonly subprotocols: readonly Subprotocol[];
  readonly features: readonly string[];
  /** The latest key announcement: sent to every keyRotation session until its agent acknowledged it. */
  announcement: ServiceKeysMessage | null = null;
  /** The last verified serviceKeysAck per agent. */
  readonly keyAcks = new Map<string, { issuedAt: string; kids: readonly string[] }>();
  /** The latest verified audit checkpoint per agent (feature auditCheckpoint). */
  readonly auditCheckpoints = new Map<string, HeldCheckpoint>();
  readonly events: TypedEvents<ServiceEvents>;
  readonly transcript: Transcript;
  readonly keys = new SigningKeys();
  readonly signer: CommandSigner;
  readonly tokens = new RegistrationTokens();
  readonly registry = new AgentRegistry();
  readonly results = new ResultStore();
  /** The first refusal before authentication per command id: what the agent said of a frame, never a command's result. */
  readonly refusals = new Map<string, Result>();
  /** Who waits for the agent's answer to a command id (`ServiceSim.answer`): one lookup per result, however many wait. */
  readonly answerWaiters = new Map<string, ((result: Result) => void)[]>();
  /** First ack per command id. */
  readonly acks = new Map<string, { agentId: string; at: string }>();
  /** Every ignored frame, by code. */
  readonly frameErrors: ServiceEvents['frameError'][] = [];
  readonly connections = new Map<number, Connection>();
  /** The open session of each connected agent. */
  readonly sessions = new Map<string, Session>();
  stalled = false;
  answerPings = true;
  stopped = false;
  /** Between `crash()` and the listener being back (restart): nothing is sent. */
  down = false;

  constructor(options: ServiceSimOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.logger = options.logger ?? silentLogger;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    // The range an agent accepts in `welcome` (protocol/validate-message.ts).
    if (!Number.isInteger(this.heartbeatIntervalMs) || this.heartbeatIntervalMs < 1000 || this.heartbeatIntervalMs > 3_600_000) {
      throw new Error('heartbeatIntervalMs must be an integer from 1000 to 3600000');
    }
    this.helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.clockSkewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    this.defaultTtlMs = options.defaultTtlMs ?? DEFAULT_COMMAND_TTL_MS;
    this.subprotocols = options.subprotocols ?? DEFAULT_SUBPROTOCOLS;
    if (this.subprotocols.length === 0) throw new Error('subprotocols must name at least one version');
    this.features = options.features ?? DEFAULT_FEATURES;
    this.transcript = new Transcript(options.recordTranscript ?? true);
    this.events = new TypedEvents((name, error) => this.logger.error('an event listener threw', { event: name, error: String(error) }));
    this.signer = new CommandSigner(this.keys, this.random);
  }

  requireAgent(agentId: string): RegisteredAgent {
    const agent = this.registry.get(agentId);
    if (agent === undefined) throw new Error(`unknown agent ${agentId}`);
    return agent;
  }

  /** The agent answered `commandId` (a stored result or a refusal before authentication): wakes those waiting for it. */
  answered(commandId: string, result: Result): void {
    const waiters = this.answerWaiters.get(commandId);
    if (waiters === undefined) return;
    this.answerWaiters.delete(commandId);
    for (const wake of waiters) wake(result);
  }

  sessionsOf(tenantId: string): Session[] {
    return [...this.sessions.values()].filter((session) => session.tenantId === tenantId);
  }
}
