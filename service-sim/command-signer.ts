import type { KeyObject } from 'node:crypto';
import { encodeMessage, sealSecret, signCanonical, signCommand, type Command, type SealedSecret } from '../protocol/index.js';
import type { RegisteredAgent } from './agent-registry.js';
import { composeCommand, type CommandSpec } from './command-spec.js';
import type { RandomSource } from './options.js';
import { privateKeyFrom } from './randomness.js';
import type { SigningKeys } from './signing-keys.js';

/** Seals, builds and signs command frames: the one place plain secrets are handled. */
export class CommandSigner {
  readonly #keys: SigningKeys;
  readonly #random: RandomSource;

  constructor(keys: SigningKeys, random: RandomSource) {
    this.#keys = keys;
    this.#random = random;
  }

  /** Seals to the agent's X25519 key with fresh ephemeral key and IV from the random source. */
  seal(secret: Record<string, string>, agent: RegisteredAgent, commandId: string): SealedSecret {
    return sealSecret(secret, agent.encryptionKey, commandId, {
      ephemeralPrivateKey: privateKeyFrom(this.#random, 'X25519'),
      iv: this.#random.bytes(12),
    });
  }

  /** C for `agent`, its secret sealed to it. */
  command(spec: CommandSpec, agent: RegisteredAgent, fixed: { id: string; issuedAt: Date; ttlMs: number }): Command {
    return composeCommand(spec, { ...fixed, agentId: agent.agentId, seal: (secret, id) => this.seal(secret, agent, id) });
  }

  /** The `command` frame text, signed with the active key. */
  frame(command: Command): string {
    const key = this.#keys.active;
    return encodeMessage(signCommand(command, key.kid, key.privateKey));
  }

  /** A frame with any object as C, any kid and any key: forged, expired or malformed commands for tests. */
  forgedFrame(command: unknown, options: { kid?: string; signWith?: KeyObject }): string {
    const kid = options.kid ?? this.#keys.active.kid;
    const key = options.signWith ?? this.#keys.get(kid)?.privateKey ?? this.#keys.active.privateKey;
    return JSON.stringify({ type: 'command', command, kid, signature: signCanonical(command, key) });
  }
}
