import type { SimDirectory } from '../ad/sim-directory.js';
import { hashPassword } from '../ad/password-hash.js';
import { createObject } from './create-object.js';
import { SeededContainer } from './seeded-domain.js';

export interface BulkUserOptions {
  count: number;
  /** Container relative to the base DN; created when missing. */
  container?: string;
  /** sAMAccountName prefix: bulk000001... */
  prefix?: string;
  /** The same password for every generated user. */
  password?: string;
}

/** Default password of generated users (fixture). */
export const bulkUserPassword = 'Bulk#Pass1';

/** Generates `count` ordinary users with unique sAMAccountName, UPN, mail and objectGUID. */
export function seedBulkUsers(directory: SimDirectory, options: BulkUserOptions): void {
  const { domain, store } = directory;
  const container = `${options.container ?? SeededContainer.bulk},${domain.baseDn}`;
  if (!store.get(container)) createObject(directory, { dn: container, attributes: { objectClass: ['top', 'organizationalUnit'] } });
  const prefix = options.prefix ?? 'bulk';
  const passwordHash = hashPassword(options.password ?? bulkUserPassword);
  const objectClass = ['top', 'person', 'organizationalPerson', 'user'];
  const width = Math.max(6, String(options.count).length);
  for (let i = 1; i <= options.count; i++) {
    const sam = `${prefix}${String(i).padStart(width, '0')}`;
    createObject(
      directory,
      {
        dn: `CN=${sam},${container}`,
        attributes: {
          objectClass,
          sAMAccountName: sam,
          userPrincipalName: `${sam}@${domain.dnsName}`,
          mail: `${sam}@${domain.dnsName}`,
          givenName: 'Bulk',
          sn: sam,
          displayName: `Bulk ${sam}`,
        },
      },
      { passwordHash },
    );
  }
}
