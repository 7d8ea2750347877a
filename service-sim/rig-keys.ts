import type { KeyObject } from 'node:crypto';
import { Feature, encodeMessage, generateKeyPair, keyPairFromJwk, signServiceKeys, type AnnouncedServiceKey, type OkpPrivateJwk, type ServiceKey, type ServiceKeysMessage } from '../protocol/index.js';
import type { AgentGateway } from '../service/gateway/agent-gateway.js';
import type { NodeContext } from '../service/gateway/node-context.js';
import type { SigningKeyring } from '../service/keys/signing-keyring.js';
import { KeyStatus, keyForAgent, type LoadedSigningKey } from '../service/keys/signing-keys.js';
import { trustedKids } from '../service/store/agents.js';

/** What the keys need of the rig. */
export interface RigKeysHost {
  readonly context: NodeContext;
  readonly gateway: AgentGateway;
  readonly keyring: SigningKeyring;
}

/** Options of a hand-made key announcement (`ServiceSim.announceServiceKeys`). */
export interface AnnouncementOptions {
  kids?: readonly string[];
  signWith?: string;
  issuedAt?: Date;
  windows?: Readonly<Record<string, { notBefore?: string; notAfter?: string }>>;
}

/**
 * The service's signing keys as the rig holds them: private keys in memory, public keys in the
 * service's database, the service's keyring kept in the rig's order (the preferred key first), and
 * hand-made key announcements.
 */
export class RigKeys {
  /** Signing keys by kid; `#order` has the preferred (active) one first. */
  readonly #keys = new Map<string, LoadedSigningKey>();
  #order: string[] = [];
  #announcement: ServiceKeysMessage | null = null;

  constructor(private readonly host: RigKeysHost) {}

  /** Every kid, the preferred one first (what a registering agent trusts). */
  get order(): readonly string[] {
    return this.#order;
  }

  get activeKid(): string {
    const kid = this.#order[0];
    if (kid === undefined) throw new Error('the service has no signing key');
    return kid;
  }

  get(kid: string): LoadedSigningKey | undefined {
    return this.#keys.get(kid);
  }

  /** The active key. */
  get active(): LoadedSigningKey {
    return this.#keys.get(this.activeKid)!;
  }

  async add(kid: string, jwk?: OkpPrivateJwk): Promise<ServiceKey> {
    if (this.#keys.has(kid)) throw new Error(`signing key ${JSON.stringify(kid)} exists already`);
    const pair = keyPairFromJwk(jwk ?? generateKeyPair('Ed25519').jwk);
    if (pair.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('a service signing key must be Ed25519');
    const { context } = this.host;
    // Later keys are newer: the service retires older ones once every agent trusts the newest.
    const createdAt = new Date(context.now().getTime() + this.#keys.size).toISOString();
    await context.store.db.insertInto('signing_keys').values({ kid, public_key: pair.publicKeyRaw, created_at: createdAt, status: KeyStatus.active }).execute();
    this.#keys.set(kid, { kid, privateKey: pair.privateKey, publicKeyRaw: pair.publicKeyRaw, createdAt });
    this.#order.push(kid);
    this.#syncKeyring();
    return { kid, publicKey: pair.publicKeyRaw };
  }

  async use(kid: string): Promise<void> {
    if (!this.#keys.has(kid)) throw new Error(`no signing key ${JSON.stringify(kid)}`);
    this.#order = [kid, ...this.#order.filter((other) => other !== kid)];
    this.#syncKeyring();
    const { context, gateway, keyring } = this.host;
    for (const session of gateway.sessions.values()) {
      session.commandKey = keyForAgent(keyring.current, await trustedKids(context.store.db, session.agentId)) ?? session.commandKey;
    }
  }

  async remove(kid: string): Promise<void> {
    if (kid === this.activeKid) throw new Error('the active signing key cannot be removed');
    this.#keys.delete(kid);
    this.#order = this.#order.filter((other) => other !== kid);
    this.#syncKeyring();
    await this.host.context.store.db.updateTable('signing_keys').set({ status: KeyStatus.retired }).where('kid', '=', kid).execute();
  }

  serviceKeys(): ServiceKey[] {
    return this.#order.map((kid) => ({ kid, publicKey: this.#keys.get(kid)!.publicKeyRaw }));
  }

  privateKey(kid: string): KeyObject | undefined {
    return this.#keys.get(kid)?.privateKey;
  }

  /** Signs the announcement, sends it to every session that negotiated keyRotation as the one the service waits on; returns its text. */
  announce(options: AnnouncementOptions): string {
    const signer = this.#keys.get(options.signWith ?? this.activeKid);
    if (signer === undefined) throw new Error(`no signing key ${JSON.stringify(options.signWith)}`);
    const keys: AnnouncedServiceKey[] = (options.kids ?? this.#order).map((kid) => {
      const key = this.#keys.get(kid);
      if (key === undefined) throw new Error(`no signing key ${JSON.stringify(kid)}`);
      return { kid, publicKey: key.publicKeyRaw, ...options.windows?.[kid] };
    });
    const announcement = signServiceKeys({ keys, issuedAt: options.issuedAt ?? this.host.context.now(), kid: signer.kid }, signer.privateKey);
    this.#announcement = announcement;
    const { gateway } = this.host;
    for (const session of gateway.sessions.values()) {
      if (!session.features.has(Feature.keyRotation)) continue;
      session.announcement = announcement;
      gateway.send(session.connection, announcement);
    }
    return encodeMessage(announcement);
  }

  /** The latest hand-made announcement, or null. */
  get announcement(): ServiceKeysMessage | null {
    return this.#announcement;
  }

  #syncKeyring(): void {
    this.host.keyring.replace(this.#order.map((kid) => this.#keys.get(kid)!));
  }
}
