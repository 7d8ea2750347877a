import test from 'ava';
import { ldapTest } from '../fixtures/slapd/select-fixture.js';
import { AgentError } from '../../agent/errors.js';
import { OpenLdapDriver } from '../../agent/directory/openldap/openldap-driver.js';
import { CaptureLogger } from './helpers/capture-logger.js';
import { setup } from './helpers/driver-fixture.js';

const opts = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };

ldapTest('no password (bind, user, old, new) appears in any log line, error message or error details', async (t) => {
  const { slapd, driver, logger, user } = await setup(t, { rights: '=w' });
  const used: string[] = [slapd.layout.servicePassword, slapd.users.bob.password, slapd.users.ivan.password];
  const errors: AgentError[] = [];
  const attempt = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (error) {
      if (error instanceof AgentError) errors.push(error);
      else throw error;
    }
  };
  const secret = (label: string) => {
    const value = `Secret-${label}-${Math.random().toString(36).slice(2)}-9`;
    used.push(value);
    return value;
  };
  const bob = await user('bob');
  const ivan = await user('ivan');
  const carol = await user('carol');
  await attempt(driver.resetPassword(bob, secret('reset-ok'), opts));
  await attempt(driver.resetPassword(ivan, secret('too-young'), opts));
  await attempt(driver.resetPassword(carol, secret('outside'), opts));
  await attempt(driver.resetPassword(bob, 'Sh0rt!', opts));
  used.push('Sh0rt!');
  await attempt(driver.changePassword(ivan, secret('wrong-old'), secret('new')));
  await attempt(driver.changePassword(ivan, slapd.users.ivan.password, secret('young-change')));
  await attempt(driver.passwordAlreadyApplied(bob, secret('redelivery'), new Date(0)));
  const wrongBind = secret('bad-bind');
  const broken = new OpenLdapDriver(slapd.directoryConfig(), { bindPassword: wrongBind, logger, now: () => new Date() });
  await attempt(broken.resolveUser({ by: 'uid', value: 'bob' }));
  await broken.checkPermissions({});
  await broken.close();
  await slapd.stop();
  await attempt(driver.resetPassword(bob, secret('while-down'), opts));
  await attempt(driver.changePassword(bob, secret('down-old'), secret('down-new')));

  t.true(errors.length >= 8, `collected ${errors.length} errors`);
  t.true(logger.lines.length > 0);
  const haystacks = [logger.text(), ...errors.map((e) => `${e.message} ${JSON.stringify(e.details)}`)];
  for (const password of used) {
    for (const text of haystacks) t.false(text.includes(password), `a password leaked into: ${text.slice(0, 200)}`);
  }
});

test('the capture logger really captures (guards the test above against a silent logger)', (t) => {
  const logger = new CaptureLogger();
  logger.warn('x', { a: 1 });
  t.regex(logger.text(), /warn x \{"a":1\}/);
});
