import { ldapTest as test } from '../fixtures/slapd/select-fixture.js';
import { OpenLdapDriver } from '../../agent/directory/openldap/openldap-driver.js';
import { CaptureLogger } from './helpers/capture-logger.js';
import { setup } from './helpers/driver-fixture.js';

test('a read policy is reused for policyCacheMs of the injected clock, then read again', async (t) => {
  const { slapd } = await setup(t);
  let now = new Date('2026-11-21T12:00:00Z');
  const driver = new OpenLdapDriver(slapd.directoryConfig({ policyCacheMs: 60_000 }), { bindPassword: slapd.layout.servicePassword, logger: new CaptureLogger(), now: () => now });
  t.teardown(() => driver.close());
  const bob = await driver.resolveUser({ by: 'uid', value: 'bob' });
  t.is((await driver.passwordPolicy(bob)).minLength, 8);
  await slapd.setAttributes(slapd.layout.defaultPolicyDn, { pwdMinLength: ['14'] });
  now = new Date(now.getTime() + 59_000);
  t.is((await driver.passwordPolicy(bob)).minLength, 8, 'still cached');
  now = new Date(now.getTime() + 2_000);
  t.is((await driver.passwordPolicy(bob)).minLength, 14, 'read again after expiry');
});

test('with several policies and no configured default, discovery picks the one named default; a configured DN wins', async (t) => {
  const { slapd, user } = await setup(t);
  const alice = await user('alice');
  const configured = new OpenLdapDriver(
    slapd.directoryConfig(),
    { bindPassword: slapd.layout.servicePassword, logger: new CaptureLogger(), now: () => new Date() },
    { defaultPolicyDn: slapd.layout.strictPolicyDn },
  );
  t.teardown(() => configured.close());
  t.is((await configured.passwordPolicy(alice)).source, slapd.layout.strictPolicyDn);
  const logger = new CaptureLogger();
  const discovering = new OpenLdapDriver(slapd.directoryConfig(), { bindPassword: slapd.layout.servicePassword, logger, now: () => new Date() });
  t.teardown(() => discovering.close());
  t.is((await discovering.passwordPolicy(alice)).source, slapd.layout.defaultPolicyDn);
  // Rename it: no single candidate is left, so there is no default policy and a warning says what to set.
  await slapd.asAdmin((client) => client.modifyDN(slapd.layout.defaultPolicyDn, 'cn=basic'));
  const fresh = new OpenLdapDriver(slapd.directoryConfig(), { bindPassword: slapd.layout.servicePassword, logger, now: () => new Date() });
  t.teardown(() => fresh.close());
  t.is((await fresh.passwordPolicy(alice)).source, '');
  t.true(logger.lines.some((l) => l.message.includes('defaultPolicyDn')));
});
