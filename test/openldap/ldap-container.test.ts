import test from 'ava';
import { connect } from 'node:net';
import { LOCAL_IMAGE, startLdapContainer } from '../fixtures/ldap-container.js';
import { containerTierEnabled, declareContainerTests, titleFor } from '../fixtures/slapd/select-fixture.js';

/** When the container tier runs, and what the container fixture itself promises. */

test('the container tier runs with LDAP_FIXTURE=container or under CI=true, and LDAP_FIXTURE=slapd turns it off', (t) => {
  t.false(containerTierEnabled({}));
  t.false(containerTierEnabled({ CI: 'false' }));
  t.true(containerTierEnabled({ CI: 'true' }));
  t.true(containerTierEnabled({ LDAP_FIXTURE: 'container' }));
  t.false(containerTierEnabled({ LDAP_FIXTURE: 'slapd' }));
  t.false(containerTierEnabled({ LDAP_FIXTURE: 'slapd', CI: 'true' }));
});

test('an unknown LDAP_FIXTURE value is refused with the allowed values', (t) => {
  const error = t.throws(() => containerTierEnabled({ LDAP_FIXTURE: 'docker' }));
  t.regex(error.message, /unset, "slapd" or "container", not "docker"/);
});

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

if (declareContainerTests()) {
  test(titleFor('container', 'slapd in the container shares the host network but listens on 127.0.0.1 only'), async (t) => {
    const slapd = await startLdapContainer();
    t.teardown(() => slapd.destroy());
    t.is(slapd.ldapsUrl, `ldaps://127.0.0.1:${slapd.ldapsPort}`);
    t.deepEqual(await slapd.read(slapd.users.alice.dn, ['uid']), { uid: ['alice'] });
    t.true(await refused('127.0.0.2', slapd.ldapPort), 'the LDAP port answers on 127.0.0.2');
    t.true(await refused('127.0.0.2', slapd.ldapsPort), 'the LDAPS port answers on 127.0.0.2');
  });

  test(titleFor('container', 'a local image that was never built is refused with the way to build it, not pulled'), async (t) => {
    const error = await t.throwsAsync(startLdapContainer({}, `${LOCAL_IMAGE}:never-built`));
    t.regex(error.message, /^the image writeback-agent\/openldap:never-built does not exist: \.ci\/build-ldap-image builds /);
  });
}
