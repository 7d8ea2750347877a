import test from 'ava';
import { NO_ENGINE_HINT, startLdapContainer } from '../fixtures/ldap-container.js';

/**
 * These machines have no container engine: the container fixture must fail fast and say what to
 * do instead. With an engine (LDAP_FIXTURE=container) the driver tests run against the container.
 */

test('without a container engine, the container fixture fails fast with the way back to the local slapd', async (t) => {
  if (process.env.LDAP_FIXTURE === 'container') {
    t.pass('an engine is expected here: the driver tests use the container');
    return;
  }
  const started = Date.now();
  const error = await t.throwsAsync(startLdapContainer());
  t.true(error.message.startsWith('no container engine: '), error.message);
  t.true(error.message.includes(NO_ENGINE_HINT));
  t.true(Date.now() - started < 6_000, `took ${Date.now() - started} ms`);
});

test('an unknown LDAP_FIXTURE value is refused with the allowed values', async (t) => {
  const { startLdapServer } = await import('../fixtures/slapd/select-fixture.js');
  const saved = process.env.LDAP_FIXTURE;
  process.env.LDAP_FIXTURE = 'docker';
  t.teardown(() => {
    if (saved === undefined) delete process.env.LDAP_FIXTURE;
    else process.env.LDAP_FIXTURE = saved;
  });
  const error = await t.throwsAsync(startLdapServer());
  t.regex(error.message, /unset, "slapd" or "container"/);
});
