import test from 'ava';
import type { DirectoryConfig } from '../../../../agent/directory/directory-config.js';
import type { DirectoryDriver, DirectoryUser, GroupMembership } from '../../../../agent/directory/driver.js';
import { protectedSelfServiceGroup } from '../../../../agent/policy/protected-self-service.js';
import type { Command } from '../../../../protocol/index.js';

// The decision logic alone; the tests against directory-sim, slapd and Samba (test/e2e/portal-*,
// test/samba/portal-agent.test.ts) show the same decisions with real group reads.

const ADMINS = 'CN=Tier2,OU=Groups,DC=corp,DC=example';
const config: DirectoryConfig = {
  id: 'corp',
  kind: 'activeDirectory',
  urls: ['ldaps://dc1'],
  baseDn: 'DC=corp,DC=example',
  bindDn: 'CN=svc,OU=Staff,DC=corp,DC=example',
  tls: { caFile: null, startTls: false },
  scope: { include: ['OU=Staff,DC=corp,DC=example'], exclude: [], refuseProtectedAccounts: true, protectedGroups: [], selfServiceProtectedGroups: [ADMINS] },
  historyOnReset: 'bestEffort',
  passwordMethod: 'passwordModify',
  timeoutMs: 1000,
  poolSize: 1,
  policyCacheMs: 0,
};
const admin: DirectoryUser = {
  dn: 'CN=Ann,OU=Staff,DC=corp,DC=example',
  uuid: null,
  disabled: false,
  locked: false,
  passwordLastSet: null,
  mustChangePassword: false,
  protectedReason: 'adminCount=1 (protected by AdminSDHolder)',
  snapshot: null,
};

/** A driver whose group reads answer `membership` and are counted. */
function groupsDriver(membership: GroupMembership): { driver: DirectoryDriver; reads: string[][] } {
  const reads: string[][] = [];
  const driver = { id: 'corp', groupMembership: (_user: DirectoryUser, groups: readonly string[]) => (reads.push([...groups]), Promise.resolve(membership)) } as unknown as DirectoryDriver;
  return { driver, reads };
}

const command = (op: string, params: Record<string, unknown>): Command => ({ id: '00000000-0000-4000-8000-000000000001', tenantId: 't', agentId: 'a', op, params, issuedAt: '', expiresAt: '' });

test('a protected account is exempted only for a write marked selfService and a member of a named group', async (t) => {
  const member = groupsDriver({ memberOf: ADMINS, unreadable: [] });
  t.is(await protectedSelfServiceGroup(command('resetPassword', { selfService: true }), admin, member.driver, config), ADMINS);
  t.is(await protectedSelfServiceGroup(command('unlockAccount', { selfService: true }), admin, member.driver, config), ADMINS);
  t.is(await protectedSelfServiceGroup(command('resetPassword', {}), admin, member.driver, config), null);
  t.is(await protectedSelfServiceGroup(command('resetPassword', { selfService: 'true' }), admin, member.driver, config), null);
  t.is(await protectedSelfServiceGroup(command('getAccountState', { selfService: true }), admin, member.driver, config), null);
  t.is(await protectedSelfServiceGroup(command('resetPassword', { selfService: true }), admin, member.driver, { ...config, scope: { ...config.scope, selfServiceProtectedGroups: [] } }), null);
  t.is(member.reads.length, 2, 'the directory is asked only when the command qualifies');
});

test("never the agent's own account, never through a group that cannot be read", async (t) => {
  const member = groupsDriver({ memberOf: ADMINS, unreadable: [] });
  t.is(await protectedSelfServiceGroup(command('resetPassword', { selfService: true }), { ...admin, dn: config.bindDn.toLowerCase() }, member.driver, config), null);
  const hidden = groupsDriver({ memberOf: null, unreadable: [ADMINS] });
  const warnings: string[] = [];
  const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message: string) => warnings.push(message) };
  t.is(await protectedSelfServiceGroup(command('resetPassword', { selfService: true }), admin, hidden.driver, config, logger), null);
  t.is(warnings.length, 1);
});
