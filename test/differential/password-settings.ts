import type { PasswordSettings } from '../fixtures/samba.js';

/** The policy both backends run the scenario under (the seeds differ: sim history 24, min age 1 day, lockout 5). */
export const SCENARIO_POLICY: PasswordSettings = {
  complexity: true,
  minLength: 7,
  historyLength: 3,
  minAgeSeconds: 0,
  maxAgeSeconds: 42 * 86_400,
  lockoutThreshold: 3,
  lockoutDurationSeconds: 1800,
};

export { writePasswordSettings } from '../fixtures/samba/password-settings.js';
