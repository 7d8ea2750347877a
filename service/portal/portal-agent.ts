import type { CommandTarget, Operation, PortalOperation, Result } from '../../protocol/index.js';
import { tenantTargetKind } from '../commands/default-target-kind.js';
import { submitCommand } from '../commands/submit-command.js';
import { waitForCommand } from '../commands/command-view.js';
import type { NodeContext } from '../gateway/node-context.js';
import { listAgents } from '../store/agents.js';
import { TARGET_BY_AGENTS } from './portal-config.js';

/** Lifetime of a portal command: a person is waiting for it. */
const PORTAL_COMMAND_TTL_MS = 30_000;

/** Sends one command for the portal through the tenant's agents and waits for its signed result. */
export class PortalAgent {
  constructor(
    private readonly context: NodeContext,
    private readonly tenantId: string,
    private readonly wake: () => void,
  ) {}

  /** Whether some agent of the tenant announced `op` in its hello (a service sends portal ops only then). */
  async offers(op: PortalOperation): Promise<boolean> {
    const agents = await listAgents(this.context.store.db, this.tenantId);
    return agents.some((agent) => (JSON.parse(agent.capabilities) as string[]).includes(op));
  }

  /** The result, or null when no agent answered in time (nothing was sent, or it expired). */
  async run(op: Operation | PortalOperation, user: string, params: Record<string, unknown>, secret?: Record<string, string>): Promise<Result | null> {
    const { store, config, now } = this.context;
    const by = await this.#targetBy();
    if (by === null) return null;
    const target = { by, value: user } as CommandTarget;
    // A portal op travels like a v1 op: the store keeps `op` as text and seals any secret the same way.
    const request = { op: op as Operation, target, params, ttlMs: PORTAL_COMMAND_TTL_MS, ...(secret === undefined ? {} : { secret }) };
    let submitted;
    try {
      submitted = await submitCommand(store, { tenantId: this.tenantId, request, submittedBy: 'portal', defaultTtlMs: PORTAL_COMMAND_TTL_MS, now: now() });
    } catch {
      return null;
    }
    this.wake();
    const view = await waitForCommand(store.db, this.tenantId, submitted.id, { deadline: Date.now() + PORTAL_COMMAND_TTL_MS + 2_000, pollMs: Math.max(50, config.commands.pollIntervalMs) });
    return view.result;
  }

  /** `portal.targetBy`, or with "agents" the kind the tenant's agents reported; null (nothing sent) when that is unknown or mixed. */
  async #targetBy(): Promise<string | null> {
    const { store, config, logger } = this.context;
    if (config.portal.targetBy !== TARGET_BY_AGENTS) return config.portal.targetBy;
    const known = await tenantTargetKind(store.db, this.tenantId);
    if (known.by === null) logger.warn('portal.targetBy is "agents" but the target kind is not known; set portal.targetBy (uid, sAMAccountName...)', { reason: known.why });
    return known.by;
  }
}
