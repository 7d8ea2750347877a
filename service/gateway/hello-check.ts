import type { KeyObject } from 'node:crypto';
import { parseTime, publicKeyFromRaw, verifyHello, type HelloMessage } from '../../protocol/index.js';
import type { AgentRow } from '../db/database-schema.js';
import { WireError } from './wire-errors.js';

export type HelloCheck = { ok: true; agentSigningKey: KeyObject } | { ok: false; code: WireError; message: string };

/** SPEC.md section 5, checked in this order; each failure is `error` + close 4001. Only the agent's tenant and key are read, so service-sim checks its agents here too. */
export function checkHello(
  hello: HelloMessage,
  context: { agent: (Pick<AgentRow, 'tenant_id' | 'signing_key'> & { removed_at?: string | null }) | undefined; nonce: string; now: Date; clockSkewMs: number },
): HelloCheck {
  const { agent } = context;
  // A removed record (`agents remove`) is kept for audit only: it may not open a session.
  if (agent === undefined || (agent.removed_at ?? null) !== null)
    return { ok: false, code: WireError.UNKNOWN_AGENT, message: 'this agent is not registered here; run `writeback-agent register` with a new token' };
  if (agent.tenant_id !== hello.tenantId) return { ok: false, code: WireError.TENANT_MISMATCH, message: 'the agent belongs to another tenant' };
  if (context.nonce === '' || hello.nonce !== context.nonce) return { ok: false, code: WireError.NONCE_MISMATCH, message: "the hello does not answer this connection's challenge" };
  const key = publicKeyFromRaw(agent.signing_key, 'Ed25519');
  if (key === null || !verifyHello(hello, key)) return { ok: false, code: WireError.INVALID_SIGNATURE, message: "the hello's signature does not verify with the registered key" };
  const sentAt = parseTime(hello.sentAt);
  if (sentAt === null || Math.abs(sentAt.getTime() - context.now.getTime()) > context.clockSkewMs) {
    return { ok: false, code: WireError.CLOCK_SKEW, message: "the agent's clock differs from the service's by more than the allowed skew; fix the time (NTP)" };
  }
  return { ok: true, agentSigningKey: key };
}
