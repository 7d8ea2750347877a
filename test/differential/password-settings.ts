import { Attribute, Change, type Client } from 'ldapts';
import type { PasswordSettings } from '../fixtures/samba.js';

/** The policy both backends run the scenario under (the seeds differ: sim history 24, min age 1 day, lockout 5). */
export const SCENARIO_POLICY: PasswordSettings = {
  complexity: true, minLength: 7, historyLength: 3, minAgeSeconds: 0, maxAgeSeconds: 42 * 86_400, lockoutThreshold: 3, lockoutDurationSeconds: 1800,
};

/** AD intervals are negative counts of 100 ns. */
const interval = (seconds: number) => String(-BigInt(seconds) * 10_000_000n);

/**
 * Writes domain password settings to the domain root as an administrator, over LDAP: the same
 * modify for directory-sim and Samba, so the sim's handling of it is part of what is compared.
 */
export async function writePasswordSettings(client: Client, baseDn: string, settings: Partial<PasswordSettings>): Promise<void> {
  const values: Record<string, string | undefined> = {
    pwdProperties: settings.complexity === undefined ? undefined : settings.complexity ? '1' : '0',
    minPwdLength: settings.minLength?.toString(),
    pwdHistoryLength: settings.historyLength?.toString(),
    minPwdAge: settings.minAgeSeconds === undefined ? undefined : interval(settings.minAgeSeconds),
    maxPwdAge: settings.maxAgeSeconds === undefined ? undefined : interval(settings.maxAgeSeconds),
    lockoutThreshold: settings.lockoutThreshold?.toString(),
    lockoutDuration: settings.lockoutDurationSeconds === undefined ? undefined : interval(settings.lockoutDurationSeconds),
    lockOutObservationWindow: settings.lockoutDurationSeconds === undefined ? undefined : interval(settings.lockoutDurationSeconds),
  };
  const changes = Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([type, value]) => new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }));
  if (changes.length > 0) await client.modify(baseDn, changes);
}
