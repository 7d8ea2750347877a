import { randomUUID, type KeyObject } from 'node:crypto';
import { encodeMessage, publicKeyFromRaw, sealSecret, signCanonical, signCommand, type Command, type Result } from '../protocol/index.js';
import type { AgentGateway } from '../service/gateway/agent-gateway.js';
import type { NodeContext } from '../service/gateway/node-context.js';
import { listAgents } from '../service/store/agents.js';
import type { CommandLedger } from './command-ledger.js';
import { composeCommand, type CommandSpec } from './command-spec.js';
import type { PreparedCommand, PreparedFrames } from './prepared-frames.js';
import { queueCommand, requireAgent } from './rig-store.js';
import type { RigKeys } from './rig-keys.js';

/** A command issued to the service: its id and its stored result. */
export interface IssuedCommand {
  id: string;
  /** Resolves with the result the service stores; rejects when it cannot be queued or the rig stops first. */
  result: Promise<Result>;
}

/** What command issuing needs of the rig. */
export interface CommandIssuerHost {
  readonly context: NodeContext;
  readonly gateway: AgentGateway;
  readonly ledger: CommandLedger;
  readonly keys: RigKeys;
  readonly prepared: PreparedFrames;
  stopped(): boolean;
}

/**
 * Commands from the rig: queued through the service's insert path, or built, signed and sent raw
 * outside its queue (forged frames for tests, prepared frames for benchmarks).
 */
export class CommandIssuer {
  constructor(private readonly host: CommandIssuerHost) {}

  issue(spec: CommandSpec): IssuedCommand {
    const { context, gateway, ledger } = this.host;
    if (this.host.stopped()) throw new Error('the service is stopped');
    const id = spec.id ?? randomUUID();
    const result = ledger.issue(id);
    queueCommand(context, id, spec).then(
      () => gateway.dispatcher.pumpAll(),
      (error: unknown) => ledger.failed(id, error),
    );
    return { id, result };
  }

  async build(spec: CommandSpec & { agentId: string }, options: { issuedAt?: Date }): Promise<Command> {
    const { context } = this.host;
    const agent = await requireAgent(context.store, spec.agentId);
    const encryptionKey = publicKeyFromRaw(agent.encryption_key, 'X25519')!;
    return composeCommand(spec, {
      id: spec.id ?? randomUUID(),
      agentId: agent.id,
      issuedAt: options.issuedAt ?? context.now(),
      ttlMs: spec.ttlMs ?? context.config.commands.defaultTtlMs,
      seal: (secret, commandId) => sealSecret(secret, encryptionKey, commandId),
    });
  }

  sendSigned(agentId: string, command: Command | Record<string, unknown>, options: { kid?: string; signWith?: KeyObject }): string {
    const { keys } = this.host;
    const kid = options.kid ?? keys.activeKid;
    const key = options.signWith ?? keys.get(kid)?.privateKey ?? keys.active.privateKey;
    const frame = JSON.stringify({ type: 'command', command, kid, signature: signCanonical(command, key) });
    this.sendRaw(agentId, frame);
    return frame;
  }

  sendRaw(agentId: string, data: string | Buffer): void {
    const { gateway } = this.host;
    const session = gateway.sessions.get(agentId);
    if (session === undefined) throw new Error(`agent ${agentId} is not connected`);
    gateway.sendRaw(session.connection, data);
  }

  async prepare(specs: readonly CommandSpec[]): Promise<PreparedCommand[]> {
    const { context, gateway, keys } = this.host;
    const spread = new Map<string, string[]>();
    const prepared: PreparedCommand[] = [];
    let seq = 0;
    for (const spec of specs) {
      let agentId = spec.agentId;
      if (agentId === undefined) {
        let candidates = spread.get(spec.tenantId);
        if (candidates === undefined) {
          const connected = [...gateway.sessions.values()].filter((session) => session.tenantId === spec.tenantId).map((session) => session.agentId);
          candidates = connected.length > 0 ? connected : (await listAgents(context.store.db, spec.tenantId)).map((agent) => agent.id);
          spread.set(spec.tenantId, candidates);
        }
        agentId = candidates[seq++ % Math.max(candidates.length, 1)];
        if (agentId === undefined) throw new Error(`tenant ${spec.tenantId} has no registered agent`);
      }
      const command = await this.build({ ...spec, agentId }, {});
      const key = gateway.sessions.get(agentId)?.commandKey ?? keys.active;
      prepared.push({ id: command.id, tenantId: spec.tenantId, agentId, command, frame: encodeMessage(signCommand(command, key.kid, key.privateKey)) });
    }
    return prepared;
  }

  sendPrepared(prepared: readonly PreparedCommand[]): IssuedCommand[] {
    const issued = prepared.map((item) => ({ id: item.id, result: this.host.ledger.answer(item.id, 24 * 3600_000) }));
    this.host.prepared.add(prepared);
    return issued;
  }

  /** Issued commands without a stored result, and prepared frames without an answer. */
  get pending(): number {
    return this.host.ledger.waiting + this.host.prepared.pending;
  }
}
