import test from 'ava';
import { AdGuid } from '../../../../../ldap-constants/ad-guids.js';
import { checkAccess, canonicalOrder, effectiveInheritedAces, mapGenericRights } from '../../../../../agent/directory/ad/permissions/access-check.js';
import { AceFlag, DsAccess } from '../../../../../ldap-constants/ad-access-mask.js';
import { tokenFor, type AgentToken } from '../../../../../agent/directory/ad/permissions/agent-token.js';
import { REQUIRED_RIGHTS } from '../../../../../agent/directory/ad/permissions/required-rights.js';
import type { Ace } from '../../../../../agent/directory/ad/permissions/security-descriptor.js';
import { WellKnownSid } from '../../../../../agent/directory/ad/permissions/well-known-sid.js';

const AGENT = 'S-1-5-21-1-2-3-1105';
const HELPDESK = 'S-1-5-21-1-2-3-1200';
const OTHER = 'S-1-5-21-1-2-3-1300';
const token = new Set([AGENT, HELPDESK, WellKnownSid.everyone, WellKnownSid.authenticatedUsers]);
const reset = REQUIRED_RIGHTS.resetPassword.request;
const pwdLastSet = REQUIRED_RIGHTS.writePwdLastSet.request;

function ace(kind: 'allow' | 'deny', sid: string, mask: number, options: { flags?: number; objectType?: string; inheritedObjectType?: string } = {}): Ace {
  const object = options.objectType !== undefined || options.inheritedObjectType !== undefined;
  return {
    type: kind === 'allow' ? (object ? 5 : 0) : object ? 6 : 1,
    kind,
    flags: options.flags ?? 0,
    mask,
    objectType: options.objectType ?? null,
    inheritedObjectType: options.inheritedObjectType ?? null,
    sid,
  };
}

test('an object ACE for the right grants it; one for another right does not', (t) => {
  t.true(checkAccess([ace('allow', AGENT, DsAccess.controlAccess, { objectType: AdGuid.resetPassword })], token, reset).granted);
  t.false(checkAccess([ace('allow', AGENT, DsAccess.controlAccess, { objectType: AdGuid.changePassword })], token, reset).granted);
  // "All extended rights": CR without an object type.
  t.true(checkAccess([ace('allow', HELPDESK, DsAccess.controlAccess)], token, reset).granted);
});

test('ACEs for SIDs outside the token are ignored; group SIDs from tokenGroups count', (t) => {
  t.false(checkAccess([ace('allow', OTHER, DsAccess.fullControl)], token, reset).granted);
  t.true(checkAccess([ace('allow', HELPDESK, DsAccess.fullControl)], token, reset).granted);
});

test('deny before allow, explicit before inherited, whatever the stored order', (t) => {
  const inheritedAllow = ace('allow', AGENT, DsAccess.controlAccess, { flags: AceFlag.inherited, objectType: AdGuid.resetPassword });
  const explicitDeny = ace('deny', WellKnownSid.everyone, DsAccess.controlAccess, { objectType: AdGuid.resetPassword });
  const explicitAllow = ace('allow', AGENT, DsAccess.controlAccess, { objectType: AdGuid.resetPassword });
  const inheritedDeny = ace('deny', AGENT, DsAccess.controlAccess, { flags: AceFlag.inherited, objectType: AdGuid.resetPassword });
  const denied = checkAccess([inheritedAllow, explicitDeny], token, reset);
  t.false(denied.granted);
  t.is(denied.decidedBy, explicitDeny);
  // An explicit allow beats an inherited deny.
  const allowed = checkAccess([inheritedDeny, explicitAllow], token, reset);
  t.true(allowed.granted);
  t.is(allowed.decidedBy, explicitAllow);
  t.deepEqual(canonicalOrder([inheritedAllow, explicitAllow, explicitDeny]), [explicitDeny, explicitAllow, inheritedAllow]);
  // Among inherited ACEs the stored order (nearest ancestor first) decides.
  t.true(checkAccess([inheritedAllow, inheritedDeny], token, reset).granted);
  t.false(checkAccess([inheritedDeny, inheritedAllow], token, reset).granted);
});

test('a deny of another right or property does not refuse this one', (t) => {
  const dacl = [ace('deny', AGENT, DsAccess.controlAccess, { objectType: AdGuid.changePassword }), ace('allow', AGENT, DsAccess.controlAccess, { objectType: AdGuid.resetPassword })];
  t.true(checkAccess(dacl, token, reset).granted);
});

test('inherit-only ACEs do not apply to the object that holds them', (t) => {
  t.false(checkAccess([ace('allow', AGENT, DsAccess.controlAccess, { flags: AceFlag.containerInherit | AceFlag.inheritOnly, objectType: AdGuid.resetPassword })], token, reset).granted);
});

test('write property: granted by the attribute, by its property set, or by WP on everything; RP alone is not enough', (t) => {
  t.true(checkAccess([ace('allow', AGENT, DsAccess.writeProperty, { objectType: AdGuid.pwdLastSet })], token, pwdLastSet).granted);
  t.true(checkAccess([ace('allow', AGENT, DsAccess.writeProperty, { objectType: AdGuid.userAccountRestrictionsPropertySet })], token, pwdLastSet).granted);
  t.true(checkAccess([ace('allow', AGENT, DsAccess.writeProperty)], token, pwdLastSet).granted);
  t.false(checkAccess([ace('allow', AGENT, DsAccess.readProperty, { objectType: AdGuid.pwdLastSet })], token, pwdLastSet).granted);
  // lockoutTime is in no property set: the set's ACE does not reach it.
  t.false(checkAccess([ace('allow', AGENT, DsAccess.writeProperty, { objectType: AdGuid.userAccountRestrictionsPropertySet })], token, REQUIRED_RIGHTS.writeLockoutTime.request).granted);
  // A deny on the property set refuses the attribute.
  t.false(
    checkAccess(
      [ace('deny', AGENT, DsAccess.writeProperty, { objectType: AdGuid.userAccountRestrictionsPropertySet }), ace('allow', AGENT, DsAccess.writeProperty, { objectType: AdGuid.pwdLastSet })],
      token,
      pwdLastSet,
    ).granted,
  );
});

test('generic rights are mapped to DS rights', (t) => {
  t.is(mapGenericRights(0x10000000), DsAccess.fullControl);
  t.true(checkAccess([ace('allow', AGENT, 0x10000000)], token, reset).granted);
  t.is(mapGenericRights(0x40000000) & DsAccess.writeProperty, DsAccess.writeProperty);
  t.is(mapGenericRights(0x80000000) & DsAccess.controlAccess, 0);
});

test("SELF is in the token only for the agent's own object", (t) => {
  const agent: AgentToken = { dn: 'CN=svc', sid: AGENT, sids: token, groupCount: 1, principal: 'svc@corp.example' };
  const dacl = [ace('allow', WellKnownSid.self, DsAccess.controlAccess, { objectType: AdGuid.resetPassword })];
  t.false(checkAccess(dacl, tokenFor(agent, OTHER), reset).granted);
  t.false(checkAccess(dacl, tokenFor(agent, null), reset).granted);
  t.true(checkAccess(dacl, tokenFor(agent, AGENT), reset).granted);
});

test('what a user created in an OU inherits: container-inherit ACEs scoped to the user class or to none', (t) => {
  const forUsers = ace('allow', AGENT, DsAccess.controlAccess, { flags: AceFlag.containerInherit | AceFlag.inheritOnly, objectType: AdGuid.resetPassword, inheritedObjectType: AdGuid.userClass });
  const forGroups = ace('allow', AGENT, DsAccess.writeProperty, { flags: AceFlag.containerInherit | AceFlag.inheritOnly, inheritedObjectType: AdGuid.groupClass });
  const notInheritable = ace('allow', AGENT, DsAccess.fullControl);
  const toAll = ace('deny', OTHER, DsAccess.delete, { flags: AceFlag.containerInherit | AceFlag.noPropagateInherit });
  const inherited = effectiveInheritedAces([forUsers, forGroups, notInheritable, toAll], AdGuid.userClass);
  t.deepEqual(
    inherited.map((a) => [a.sid, a.mask, a.flags]),
    [
      [AGENT, DsAccess.controlAccess, AceFlag.inherited],
      [OTHER, DsAccess.delete, AceFlag.inherited],
    ],
  );
  t.true(checkAccess(inherited, token, reset).granted);
});
