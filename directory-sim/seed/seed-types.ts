/** One object to create: attributes as text (binary values as { base64 }), an optional password and DACL. */
export interface SeedObject {
  dn: string;
  attributes: Record<string, string | number | Buffer | { base64: string } | (string | number | Buffer | { base64: string })[]>;
  /** Initial password (never stored as text, never logged). */
  password?: string;
  /** Explicit DACL in SDDL ("D:P(A;;GA;;;DA)..."); without it the class default applies. */
  sddl?: string;
}

/** The password and lockout policy written on the domain root. */
export interface SeedPolicy {
  minPwdLength: number;
  /** pwdProperties bit 1. */
  complexity: boolean;
  pwdHistoryLength: number;
  minPwdAgeMs: number;
  maxPwdAgeMs: number;
  lockoutThreshold: number;
  lockoutDurationMs: number;
  lockoutObservationWindowMs: number;
}

export const defaultSeedPolicy: SeedPolicy = {
  minPwdLength: 7,
  complexity: true,
  pwdHistoryLength: 24,
  minPwdAgeMs: 24 * 3600_000,
  maxPwdAgeMs: 42 * 24 * 3600_000,
  lockoutThreshold: 5,
  lockoutDurationMs: 30 * 60_000,
  lockoutObservationWindowMs: 30 * 60_000,
};
