/** One-time registration tokens (SPEC.md section 4): issued per tenant, consumed once. */
export class RegistrationTokens {
  readonly #tenantOf = new Map<string, string>();

  add(token: string, tenantId: string): void {
    this.#tenantOf.set(token, tenantId);
  }

  /** The token's tenant, and the token is gone; null for an unknown or used token. */
  consume(token: string): string | null {
    const tenantId = this.#tenantOf.get(token);
    if (tenantId === undefined) return null;
    this.#tenantOf.delete(token);
    return tenantId;
  }

  get size(): number {
    return this.#tenantOf.size;
  }
}
