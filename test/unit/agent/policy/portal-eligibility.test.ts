import test from 'ava';
import type { DirectoryDriver, DirectoryUser, GroupMembership } from '../../../../agent/directory/driver.js';
import { portalEligibility } from '../../../../agent/policy/portal-eligibility.js';

// The decision alone; test/e2e/portal-* and test/samba/portal-agent.test.ts read real groups.

const ADMINS = 'CN=Tier2,OU=Groups,DC=corp,DC=example';
const user: DirectoryUser = {
  dn: 'CN=Ann,OU=Staff,DC=corp,DC=example',
  uuid: null,
  disabled: false,
  locked: false,
  passwordLastSet: null,
  mustChangePassword: false,
  protectedReason: null,
  snapshot: null,
};

function groupsDriver(membership: GroupMembership): { driver: DirectoryDriver; reads: number } {
  const counted = { reads: 0 } as { driver: DirectoryDriver; reads: number };
  counted.driver = { id: 'corp', groupMembership: () => ((counted.reads += 1), Promise.resolve(membership)) } as unknown as DirectoryDriver;
  return counted;
}

test('eligibility: everyone when allowed, else a readable allowed group; an unreadable one fails closed', async (t) => {
  const portal = { contactAttributes: ['mail'], allowEveryone: false, allowedGroups: [ADMINS], verifyPassword: { enabled: true, maxAttempts: 3, windowSeconds: 1800 } };
  const none = groupsDriver({ memberOf: null, unreadable: [] });
  t.deepEqual(await portalEligibility(none.driver, user, { ...portal, allowEveryone: true }), { eligible: true, reason: 'EVERYONE' });
  t.is(none.reads, 0);
  t.deepEqual(await portalEligibility(none.driver, user, portal), { eligible: false, reason: 'NOT_IN_ALLOWED_GROUP' });
  t.deepEqual(await portalEligibility(groupsDriver({ memberOf: ADMINS, unreadable: ['CN=Other,DC=corp,DC=example'] }).driver, user, portal), { eligible: true, reason: 'GROUP_MEMBER' });
  t.deepEqual(await portalEligibility(groupsDriver({ memberOf: null, unreadable: [ADMINS] }).driver, user, portal), { eligible: false, reason: 'GROUP_UNREADABLE' });
});
