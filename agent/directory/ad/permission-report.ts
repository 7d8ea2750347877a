import type { DirectoryUser, PermissionReport } from '../driver.js';
import type { AdContext } from './ad-context.js';
import { adPermissionReport } from './permissions/ad-permission-report.js';

/** The driver's entry point to the read-only permission report (see permissions/ad-permission-report.ts). */
export function permissionReport(context: AdContext, user: DirectoryUser | null): Promise<PermissionReport> {
  return adPermissionReport(context, user);
}
