import { readOptionalBoolean, type JsonObject } from './schema.js';

/**
 * Operations for a self-service portal (issue 19), beyond the five of SPEC.md v1. An agent lists
 * one in its hello's `capabilities` only when its owner enabled it, and a service sends it only to
 * an agent that listed it; a v1 service never sends them and sees no change. Both take a `target`;
 * results are described in docs/self-service.md.
 */
export const PortalOperation = {
  /** The contact attributes the agent's owner allowed (`details.contact`), and `details.eligible`. */
  getContactInfo: 'getContactInfo',
  /** Checks the user's current directory password with a bind as the user; nothing is written. */
  verifyPassword: 'verifyPassword',
} as const;
export type PortalOperation = (typeof PortalOperation)[keyof typeof PortalOperation];
export const PORTAL_OPERATIONS: readonly PortalOperation[] = Object.values(PortalOperation);

/**
 * The members of the sealed secret (SPEC.md section 6's algorithm, AAD = command id) each op needs,
 * every one a non-empty string. Ops not listed carry no secret.
 */
export const SECRET_FIELDS = {
  resetPassword: ['newPassword'],
  changePassword: ['oldPassword', 'newPassword'],
  verifyPassword: ['password'],
} as const satisfies Record<string, readonly string[]>;

/** Longest password the agent accepts in a sealed secret (AD's unicodePwd takes at most 256 characters). */
export const MAX_SECRET_PASSWORD = 1024;

/** Write ops that may carry `params.selfService` (the user acting on their own account, as the service vouches). */
export const SELF_SERVICE_OPS: readonly string[] = ['resetPassword', 'changePassword', 'unlockAccount'];

export function isPortalOperation(op: string): op is PortalOperation {
  return (PORTAL_OPERATIONS as readonly string[]).includes(op);
}

/** Whether the op needs a sealed secret (SPEC.md's two plus verifyPassword). */
export function opNeedsSecret(op: string): boolean {
  return Object.hasOwn(SECRET_FIELDS, op);
}

/**
 * Params of the portal additions, inside the schema step [MALFORMED]: `selfService` must be a
 * boolean on the ops that take it. Throws SchemaError naming the member; on other ops, and for
 * unknown members, SPEC.md's rule holds: ignored.
 */
export function validatePortalParams(op: string, params: JsonObject): void {
  if (SELF_SERVICE_OPS.includes(op)) readOptionalBoolean(params, 'selfService', 'command.params.');
}

/** `params.selfService`, false unless the command says true; call after validation. */
export function isSelfService(params: Record<string, unknown>): boolean {
  return params['selfService'] === true;
}

/**
 * The opened secret's shape for `op`: the first member that is missing, empty, or longer than
 * MAX_SECRET_PASSWORD, or null when every member is there. Names the member, never its value.
 */
export function secretShapeProblem(op: string, secret: Readonly<Record<string, string>>): string | null {
  const fields: readonly string[] = Object.hasOwn(SECRET_FIELDS, op) ? SECRET_FIELDS[op as keyof typeof SECRET_FIELDS] : [];
  for (const field of fields) {
    const value = secret[field];
    if (typeof value !== 'string' || value.length === 0) return `the sealed secret has no ${field}`;
    if (value.length > MAX_SECRET_PASSWORD) return `the sealed secret's ${field} is longer than ${MAX_SECRET_PASSWORD} characters`;
  }
  return null;
}
