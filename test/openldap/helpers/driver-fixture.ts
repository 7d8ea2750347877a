import type { ExecutionContext } from 'ava';
import { Client } from 'ldapts';
import { readFile } from 'node:fs/promises';
import type { DirectoryConfig } from '../../../agent/directory/directory-config.js';
import type { DirectoryUser } from '../../../agent/directory/driver.js';
import { AgentError } from '../../../agent/errors.js';
import type { ResultCode } from '../../../protocol/codes.js';
import { OpenLdapDriver, type OpenLdapDriverOptions } from '../../../agent/directory/openldap/openldap-driver.js';
import type { LdapServerFixture, SlapdOptions } from '../../fixtures/slapd/ldap-server-fixture.js';
import { startLdapServer } from '../../fixtures/slapd/select-fixture.js';
import { CaptureLogger } from './capture-logger.js';

export interface DriverSetup {
  slapd: LdapServerFixture;
  driver: OpenLdapDriver;
  logger: CaptureLogger;
  /** Resolves a seeded user by uid. */
  user: (name: keyof LdapServerFixture['users']) => Promise<DirectoryUser>;
}

/** A fresh slapd and an OpenLdapDriver on it, both torn down with the test. */
export async function setup(t: ExecutionContext, slapdOptions: SlapdOptions = {}, config: Partial<DirectoryConfig> = {}, options: OpenLdapDriverOptions = {}): Promise<DriverSetup> {
  const slapd = await startLdapServer(t, slapdOptions);
  t.teardown(() => slapd.destroy());
  const logger = new CaptureLogger();
  const driver = new OpenLdapDriver(slapd.directoryConfig(config), { bindPassword: slapd.layout.servicePassword, logger, now: () => new Date() }, options);
  t.teardown(() => driver.close());
  return { slapd, driver, logger, user: (name) => driver.resolveUser({ by: 'uid', value: slapd.users[name].uid }) };
}

/** True when a simple bind with this password succeeds (over verified LDAPS; as generous as the fixture's own client, so a slow handshake is not a wrong password). */
export async function canBind(slapd: LdapServerFixture, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: slapd.ldapsUrl, timeout: 5_000, connectTimeout: 5_000, tlsOptions: { ca: await readFile(slapd.caFile), rejectUnauthorized: true } });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Asserts the promise rejects with an AgentError of `code`, and returns it. */
export async function rejectsWith(t: ExecutionContext, promise: Promise<unknown>, code: ResultCode): Promise<AgentError> {
  const error = await t.throwsAsync(promise, { instanceOf: AgentError });
  t.is(error.code, code, `${error.code} ${String(error.details.reason)} ${error.message}`);
  return error;
}
