/** Defaults of every optional config key, in one place (the schema and the docs read them here). */
export const ConfigDefaults = {
  allowInsecure: false,
  secretStore: 'keychain',
  maxInFlight: 16,
  perTargetPerMinute: 5,
  maxSkewMs: 60_000,
  journalRetentionDays: 7,
  logLevel: 'info',
  logMaxFileBytes: 10 * 1024 * 1024,
  logMaxFiles: 10,
  historyOnReset: 'bestEffort',
  passwordMethod: 'passwordModify',
  timeoutMs: 10_000,
  poolSize: 4,
  policyCacheMs: 60_000,
  refuseProtectedAccounts: true,
  /** verifyPassword attempts per user and window: below the usual lockout thresholds (5-10) within their usual 30-minute observation window. */
  portalVerifyMaxAttempts: 3,
  portalVerifyWindowSeconds: 1800,
  /** Every 6 hours, on the hour. */
  permissionCheckCron: '0 */6 * * *',
  /** Daily at 03:17, off the hour to avoid everyone's top-of-hour jobs. */
  journalCompactionCron: '17 3 * * *',
  certificateExpiryCron: '0 8 * * *',
  certificateWarningDays: [30, 14, 7, 1],
  auditFileName: 'audit.jsonl',
} as const;
