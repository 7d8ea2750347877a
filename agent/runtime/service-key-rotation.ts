import type { KeyObject } from 'node:crypto';
import { judgeServiceKeys, signServiceKeysAck, type ServiceKeysAckMessage, type ServiceKeysMessage, type TrustedKeyEntry, type TrustedKeys } from '../../protocol/index.js';
import type { AuditRecord } from '../audit/audit-log.js';
import type { Logger } from '../logging/logger.js';
import { RegistrationState } from '../state/registration-state.js';

export interface KeyRotationOptions {
  agentId: string;
  stateDir: string;
  /** The set the pipeline verifies commands with: replaced in place once an announcement is accepted. */
  trusted: TrustedKeys;
  /** Keys from the agent's configuration: trusted whatever the service announces. */
  configuredKeys: readonly TrustedKeyEntry[];
  /** `issuedAt` of the last accepted announcement (from the registration), or null. */
  lastIssuedAt: string | null;
  signingKey: KeyObject;
  audit: { append(record: AuditRecord): Promise<unknown> };
  logger: Logger;
  /** False when no session is ready: the service sends the announcement again at the next one. */
  send: (message: ServiceKeysAckMessage) => boolean;
  clockSkewMs: number;
  now: () => Date;
}

/**
 * Key rotation without a person (docs/protocol.md, "Key rotation"): an announcement is judged by
 * protocol/service-keys.ts, then persisted, audited, trusted and acknowledged, in that order, so
 * that a crash or a failed write never leaves a key trusted that the state file or the audit log
 * does not show. Refusals are logged and change nothing. One announcement at a time.
 */
export class ServiceKeyRotation {
  #lastIssuedAt: string | null;
  #queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: KeyRotationOptions) {
    this.#lastIssuedAt = o.lastIssuedAt;
  }

  /** Never rejects. */
  handle(message: ServiceKeysMessage): Promise<void> {
    this.#queue = this.#queue
      .then(() => this.#handle(message))
      .catch((error: unknown) => {
        this.o.logger.error('could not apply a service key announcement; the trusted keys are unchanged', { error: error instanceof Error ? error.message : String(error) });
      });
    return this.#queue;
  }

  async #handle(message: ServiceKeysMessage): Promise<void> {
    const o = this.o;
    const judged = judgeServiceKeys(message, { trusted: o.trusted, lastIssuedAt: this.#lastIssuedAt, now: o.now(), clockSkewMs: o.clockSkewMs });
    if (!judged.ok) {
      o.logger.warn('refused a service key announcement; the trusted keys are unchanged', {
        refusal: judged.refusal,
        reason: judged.reason,
        kid: message.kid.slice(0, 64),
        issuedAt: message.issuedAt,
      });
      return;
    }
    const kids = judged.keys.map((key) => key.kid);
    if (!judged.unchanged) {
      const previous = await RegistrationState.readRequired(o.stateDir);
      await RegistrationState.replaceServiceKeys(o.stateDir, judged.keys, message.issuedAt);
      try {
        await o.audit.append({ commandId: `serviceKeys@${message.issuedAt}`, op: 'serviceKeys', directory: null, dn: null, code: 'OK', status: 'succeeded', time: o.now().toISOString() });
      } catch (error) {
        // Fail closed: a trust change the audit log cannot show does not happen.
        await RegistrationState.write(o.stateDir, previous).catch(() => undefined);
        throw error;
      }
      const retired = o.trusted.kids.filter((kid) => !kids.includes(kid) && !o.configuredKeys.some((key) => key.kid === kid));
      o.trusted.replace([...judged.keys, ...o.configuredKeys]);
      this.#lastIssuedAt = message.issuedAt;
      o.logger.info('trusting the service keys the service announced', { issuedAt: message.issuedAt, signedBy: message.kid, kids, retired });
    }
    o.send(signServiceKeysAck({ agentId: o.agentId, issuedAt: message.issuedAt, kids }, o.signingKey));
  }
}
