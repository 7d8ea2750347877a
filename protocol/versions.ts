/**
 * Protocol versions as WebSocket subprotocols (docs/protocol.md, "Versions"). The agent offers them
 * newest first; the service picks the newest it speaks. Version 1 is SPEC.md's contract unchanged.
 */
export const Subprotocol = {
  v1: 'writeback.v1',
  v2: 'writeback.v2',
} as const;
export type Subprotocol = (typeof Subprotocol)[keyof typeof Subprotocol];

/** What an agent offers: newest first, so a service that picks the first it knows picks the newest. */
export const SUBPROTOCOL_OFFER: readonly Subprotocol[] = [Subprotocol.v2, Subprotocol.v1];

export function isSubprotocol(name: string): name is Subprotocol {
  return name === Subprotocol.v1 || name === Subprotocol.v2;
}

/**
 * The service's pick among the agent's offer: the first of its own versions (newest first) that
 * the agent offered; null when none is (the service then refuses the upgrade).
 */
export function pickSubprotocol(offered: ReadonlySet<string> | readonly string[], spoken: readonly Subprotocol[]): Subprotocol | null {
  const has = (name: string): boolean => (offered instanceof Set ? offered.has(name) : (offered as readonly string[]).includes(name));
  for (const candidate of SUBPROTOCOL_OFFER) {
    if (spoken.includes(candidate) && has(candidate)) return candidate;
  }
  return null;
}
