import { parseTime, verifyHello, type HelloMessage } from '../protocol/index.js';
import type { AgentRegistry, RegisteredAgent } from './agent-registry.js';
import { ServiceErrorCode } from './error-codes.js';

export type HelloCheck = { ok: true; agent: RegisteredAgent } | { ok: false; code: ServiceErrorCode; message: string };

/** The checks of SPEC.md section 5 on a `hello`, in order; the first failure is the answer. */
export function checkHello(hello: HelloMessage, context: { registry: AgentRegistry; challengeNonce: string | null; now: Date; clockSkewMs: number }): HelloCheck {
  const agent = context.registry.get(hello.agentId);
  if (agent === undefined) return { ok: false, code: ServiceErrorCode.UNKNOWN_AGENT, message: 'unknown agent: register it again' };
  if (agent.tenantId !== hello.tenantId) return { ok: false, code: ServiceErrorCode.TENANT_MISMATCH, message: 'the agent does not belong to this tenant' };
  if (context.challengeNonce === null || hello.nonce !== context.challengeNonce) {
    return { ok: false, code: ServiceErrorCode.NONCE_MISMATCH, message: 'the nonce is not the challenge of this connection' };
  }
  if (!verifyHello(hello, agent.signingKey)) {
    return { ok: false, code: ServiceErrorCode.INVALID_SIGNATURE, message: "the hello signature does not verify with the agent's registered key" };
  }
  const sentAt = parseTime(hello.sentAt);
  if (sentAt === null || Math.abs(sentAt.getTime() - context.now.getTime()) > context.clockSkewMs) {
    return { ok: false, code: ServiceErrorCode.CLOCK_SKEW, message: "the hello's sentAt is too far from the service clock: check the agent's clock" };
  }
  return { ok: true, agent };
}
