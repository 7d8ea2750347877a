import type { OperationType } from './protocol/ldap-request.js';

/** How a faulty server answers an operation instead of doing it. */
export const FaultResponse = {
  /** rc 51 busy. */
  busy: 'busy',
  /** rc 52 unavailable. */
  unavailable: 'unavailable',
  /** No answer at all; the connection stays open. */
  hang: 'hang',
  /** Bytes that are not a valid LDAP message. */
  garbage: 'garbage',
  /** A valid response of many megabytes. */
  oversized: 'oversized',
  /** rc 10 referral to another server. */
  referral: 'referral',
  /** Searches only: result entries without end, until abandoned or disconnected. */
  endless: 'endless',
} as const;
export type FaultResponse = (typeof FaultResponse)[keyof typeof FaultResponse];

/** Which operations a fault applies to: one type, or 'any'. */
export type FaultTarget = OperationType | 'any';

/**
 * Faults settable at runtime from a test. Every setting applies to operations received after it
 * is set, on all connections; `clear()` restores normal service.
 */
export class Faults {
  /** Delay before answering, per operation type ('any' applies to all). */
  readonly latencyMs = new Map<FaultTarget, number>();
  /** Answer instead of performing, per operation type. */
  readonly responses = new Map<FaultTarget, FaultResponse>();
  /** Accept then reset every new connection. */
  refuseConnections = false;
  /** Size of the oversized response's payload. */
  oversizedBytes = 16 * 1024 * 1024;
  /**
   * Close connections idle this long, as a DC does after MaxConnIdleTime (AD: 900 s), so pools
   * meet a server-closed connection. null = never.
   */
  idleTimeoutMs: number | null = null;
  /** Where referrals point. */
  referralUrl = 'ldap://dc2.sim.invalid/';
  private dropAfter: number | null = null;
  private dropRepeats = false;
  private operationsSinceDropSet = 0;

  setLatency(target: FaultTarget, ms: number): this {
    this.latencyMs.set(target, ms);
    return this;
  }

  respond(target: FaultTarget, response: FaultResponse): this {
    this.responses.set(target, response);
    return this;
  }

  /**
   * Drop (destroy, no answer) the connection that sends the operation after the next `count`
   * ones, on any connection. Once, unless `repeat`: then every `count + 1`-th operation drops.
   */
  dropAfterOperations(count: number, options: { repeat?: boolean } = {}): this {
    this.dropAfter = count;
    this.dropRepeats = options.repeat ?? false;
    this.operationsSinceDropSet = 0;
    return this;
  }

  clear(): void {
    this.latencyMs.clear();
    this.responses.clear();
    this.refuseConnections = false;
    this.idleTimeoutMs = null;
    this.dropAfter = null;
    this.operationsSinceDropSet = 0;
  }

  /** Counts an operation; true when its connection must be dropped instead of answered. */
  shouldDrop(): boolean {
    if (this.dropAfter === null) return false;
    this.operationsSinceDropSet++;
    if (this.operationsSinceDropSet <= this.dropAfter) return false;
    if (this.dropRepeats) this.operationsSinceDropSet = 0;
    else this.dropAfter = null;
    return true;
  }

  latencyFor(type: OperationType): number {
    return this.latencyMs.get(type) ?? this.latencyMs.get('any') ?? 0;
  }

  responseFor(type: OperationType): FaultResponse | undefined {
    return this.responses.get(type) ?? this.responses.get('any');
  }
}
