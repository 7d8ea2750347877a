import type { Command, CommandTarget, SealedSecret } from '../protocol/index.js';
import { formatTime } from '../protocol/index.js';

/** What `issueCommand` and `prepareCommands` take: the command C of SPEC.md section 6 before signing. */
export interface CommandSpec {
  tenantId: string;
  /** Pins the command to this agent; absent: one connected agent of the tenant (least loaded). */
  agentId?: string;
  op: string;
  target?: CommandTarget;
  /** Default `{}`. */
  params?: Record<string, unknown>;
  /**
   * The plain secret object (`{newPassword}`, `{oldPassword, newPassword}`, or `{password}` for the
   * portal's verifyPassword: any op is issued as given). It is sealed to the
   * receiving agent's encryption key, and only the sealed form ever reaches a frame or the transcript.
   */
  secret?: Record<string, string>;
  directory?: string;
  /** `expiresAt - issuedAt`; default the service's `defaultTtlMs`. Not checked: tests may send bad ones. */
  ttlMs?: number;
  /** Default: a fresh UUID. */
  id?: string;
}

export type Sealer = (secret: Record<string, string>, commandId: string) => SealedSecret;

/** Builds C for one agent, members in the order of SPEC.md's table (only JCS is signed, but it reads better). */
export function composeCommand(spec: CommandSpec, fixed: { id: string; agentId: string; issuedAt: Date; ttlMs: number; seal: Sealer | null }): Command {
  const secret = spec.secret;
  if (secret !== undefined && fixed.seal === null) throw new Error('a secret needs a sealer');
  return {
    id: fixed.id,
    tenantId: spec.tenantId,
    agentId: fixed.agentId,
    op: spec.op,
    ...(spec.directory === undefined ? {} : { directory: spec.directory }),
    ...(spec.target === undefined ? {} : { target: { ...spec.target } }),
    params: spec.params ?? {},
    ...(secret === undefined || fixed.seal === null ? {} : { secret: fixed.seal(secret, fixed.id) }),
    issuedAt: formatTime(fixed.issuedAt),
    expiresAt: formatTime(new Date(fixed.issuedAt.getTime() + fixed.ttlMs)),
  };
}
