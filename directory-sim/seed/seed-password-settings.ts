import { intervalFromMs } from '../ad/filetime.js';
import { passwordSettingsContainer, type SimDirectory } from '../ad/sim-directory.js';
import type { Entry } from '../store/entry.js';
import { createObject } from './create-object.js';
import { defaultSeedPolicy, type SeedPolicy } from './seed-types.js';

/** A fine-grained password policy to create. */
export interface PasswordSettingsSeed {
  /** CN of the msDS-PasswordSettings object. */
  name: string;
  precedence: number;
  /** DNs of the users and groups it applies to. */
  appliesTo: string[];
  /** Values not given are the domain defaults of the seed. */
  policy?: Partial<SeedPolicy>;
}

/** Creates a PSO in CN=Password Settings Container,CN=System (created when missing). */
export function addPasswordSettings(directory: SimDirectory, seed: PasswordSettingsSeed): Entry {
  const container = `${passwordSettingsContainer},${directory.domain.baseDn}`;
  if (!directory.store.get(container)) createObject(directory, { dn: container, attributes: { objectClass: ['top', 'msDS-PasswordSettingsContainer'] } });
  const policy = { ...defaultSeedPolicy, ...seed.policy };
  return createObject(directory, {
    dn: `CN=${seed.name},${container}`,
    attributes: {
      objectClass: ['top', 'msDS-PasswordSettings'],
      'msDS-PasswordSettingsPrecedence': seed.precedence,
      'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
      'msDS-PasswordHistoryLength': policy.pwdHistoryLength,
      'msDS-PasswordComplexityEnabled': policy.complexity ? 'TRUE' : 'FALSE',
      'msDS-MinimumPasswordLength': policy.minPwdLength,
      'msDS-MinimumPasswordAge': intervalFromMs(policy.minPwdAgeMs).toString(),
      'msDS-MaximumPasswordAge': intervalFromMs(policy.maxPwdAgeMs).toString(),
      'msDS-LockoutThreshold': policy.lockoutThreshold,
      'msDS-LockoutObservationWindow': intervalFromMs(policy.lockoutObservationWindowMs).toString(),
      'msDS-LockoutDuration': intervalFromMs(policy.lockoutDurationMs).toString(),
      'msDS-PSOAppliesTo': seed.appliesTo,
    },
  });
}
