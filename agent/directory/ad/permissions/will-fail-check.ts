import type { DirectoryUser, PermissionCheck } from '../../driver.js';
import { enableInheritanceCommand, type DirectoryFlavor } from './permission-fixes.js';
import { listDns } from './right-evaluation.js';
import { willFailReasons, type ScopeScan } from './scope-scan.js';
import { isDaclProtected, type SecurityDescriptor } from './security-descriptor.js';

const REASON_TEXT = {
  adminCount: 'adminCount=1 (AdminSDHolder protects it; the agent refuses protected accounts)',
  inheritanceDisabled: "inheritance disabled (the OU's delegation does not reach it)",
  disabled: 'account disabled (a reset succeeds but the user cannot sign in)',
} as const;

/**
 * `usersThatWillFail`: users in scope whose resets fail (or are refused, or are useless) whatever
 * the OU grants: counts per reason and the first DNs of each.
 */
export function usersThatWillFailCheck(scans: readonly ScopeScan[], flavor: DirectoryFlavor): PermissionCheck {
  const byReason = { adminCount: [] as string[], inheritanceDisabled: [] as string[], disabled: [] as string[] };
  let total = 0;
  const failing = new Set<string>();
  for (const scan of scans) {
    for (const user of scan.users) {
      total += 1;
      for (const reason of willFailReasons(user)) {
        byReason[reason].push(user.dn);
        failing.add(user.dn.toLowerCase());
      }
    }
  }
  const truncated = scans.some((scan) => scan.truncated) ? ' (scan limit reached: counts are of the users scanned)' : '';
  if (failing.size === 0)
    return { name: 'usersThatWillFail', status: 'OK', required: false, detail: `none of the ${total} users in scope is protected, has inheritance disabled or is disabled${truncated}` };
  const parts = (Object.keys(byReason) as (keyof typeof byReason)[])
    .filter((reason) => byReason[reason].length > 0)
    .map((reason) => `${REASON_TEXT[reason]}: ${byReason[reason].length} (${listDns(byReason[reason])})`);
  const fixes = [
    ...(byReason.adminCount.length > 0
      ? ['adminCount=1: remove the account from the protected groups if it should be self-service, then clear adminCount and re-enable inheritance; otherwise leave it out of self-service']
      : []),
    ...byReason.inheritanceDisabled.slice(0, 5).map((dn) => enableInheritanceCommand(flavor, dn)),
  ];
  const check: PermissionCheck = { name: 'usersThatWillFail', status: 'WARN', required: false, detail: `${failing.size} of ${total} users in scope: ${parts.join('; ')}${truncated}` };
  if (fixes.length > 0) check.fix = fixes.join('\n');
  return check;
}

/** `targetUser` (with --user): is this one account one of those? */
export function targetUserCheck(user: DirectoryUser, descriptor: SecurityDescriptor | null, flavor: DirectoryFlavor): PermissionCheck {
  const reasons: string[] = [];
  if (user.protectedReason !== null) reasons.push(`protected account: ${user.protectedReason}`);
  const protectedDacl = descriptor !== null && isDaclProtected(descriptor);
  if (protectedDacl) reasons.push(REASON_TEXT.inheritanceDisabled);
  if (user.disabled) reasons.push(REASON_TEXT.disabled);
  if (reasons.length === 0) return { name: 'targetUser', status: 'OK', required: false, detail: `${user.dn}: an ordinary account (not protected, inheritance on, enabled)` };
  const check: PermissionCheck = { name: 'targetUser', status: 'WARN', required: false, detail: `${user.dn}: ${reasons.join('; ')}` };
  if (protectedDacl) check.fix = enableInheritanceCommand(flavor, user.dn);
  return check;
}
