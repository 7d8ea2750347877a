import { Attribute, Change, Client } from 'ldapts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import type { Logger } from '../../agent/logging/logger.js';
import { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import type { DirectoryUser, ResetOptions, Target } from '../../agent/directory/driver.js';
import { mapDirectoryError } from '../../agent/directory/ldap/directory-errors.js';
import { minimumAgeApplies, minimumAgeRefusal } from '../../agent/policy/min-age.js';
import type { Command } from '../../protocol/index.js';
import type { PasswordSettings } from '../fixtures/samba.js';
import { makeCa } from '../fixtures/samba/tls.js';
import type { Backend, Role } from './backend.js';
import { errorOutcome, outcomeOf, presence, type Outcome } from './outcome.js';
import { writePasswordSettings } from './password-settings.js';

const DAY_MS = 86_400_000;
export const RESET_DEFAULTS: ResetOptions = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };
/** A changePassword command, as far as the minimum-age decision reads it. */
const CHANGE = { op: 'changePassword', params: {} } as unknown as Command;

/**
 * One backend's side of the scenario: its drivers (all the real ActiveDirectoryDriver), the
 * current password of every role, and the actions steps are written with. Every action returns
 * an Outcome; none throws for a refusal.
 */
export class ScenarioContext {
  /** The agent as configured for production use: bestEffort history, no policy cache. */
  readonly driver: ActiveDirectoryDriver;
  /** historyOnReset "require". */
  readonly strict: ActiveDirectoryDriver;
  /** Caches policies for an hour: once primed with a loose policy, only the directory checks length and complexity. */
  readonly cached: ActiveDirectoryDriver;
  /** A clock two days ahead: passes the agent's minimum-age decision, so the directory's refusal shows. */
  readonly ahead: ActiveDirectoryDriver;
  readonly current: Record<Role, string>;
  /** AgentError messages and details seen, for the secrets check. */
  readonly messages: string[] = [];
  /** Times steps note for later steps. */
  readonly marks = new Map<string, Date>();
  /** Every password the scenario used on this backend. */
  readonly used = new Set<string>();
  /** Each driver's clock, for the agent's minimum-age decision. */
  private readonly clocks = new Map<ActiveDirectoryDriver, () => Date>();

  constructor(
    readonly backend: Backend,
    private readonly logger: Logger,
  ) {
    const make = (overrides: object, now: () => Date = () => new Date()) => {
      const driver = new ActiveDirectoryDriver({ ...backend.config, ...overrides }, { bindPassword: backend.bindPassword, logger, now });
      this.clocks.set(driver, now);
      return driver;
    };
    this.driver = make({});
    this.strict = make({ historyOnReset: 'require' });
    this.cached = make({ policyCacheMs: 3_600_000 });
    this.ahead = make({}, () => new Date(Date.now() + 2 * DAY_MS));
    this.current = Object.fromEntries(Object.entries(backend.roles).map(([role, account]) => [role, account.password])) as Record<Role, string>;
    for (const secret of backend.secrets) this.used.add(secret);
  }

  async close(): Promise<void> {
    await Promise.all([this.driver, this.strict, this.cached, this.ahead].map((driver) => driver.close()));
  }

  /** The role a DN belongs to (DNs differ between the seeds, roles do not); `expected` first, as one account can play two roles. */
  roleOf(dn: string, expected?: Role): string {
    if (expected !== undefined && this.backend.roles[expected].dn.toLowerCase() === dn.toLowerCase()) return expected;
    if (dn.toLowerCase() === this.backend.config.bindDn.toLowerCase()) return 'service';
    const hit = Object.entries(this.backend.roles).find(([, account]) => account.dn.toLowerCase() === dn.toLowerCase());
    return hit?.[0] ?? `unknown DN ${dn}`;
  }

  async user(role: Role, driver = this.driver): Promise<DirectoryUser> {
    return driver.resolveUser({ by: 'dn', value: this.backend.roles[role].dn });
  }

  private attempt<T>(action: () => Promise<T>, salient: (value: T) => Record<string, unknown>): Promise<Outcome> {
    return outcomeOf(action, salient, this.messages);
  }

  resolve(target: Target): Promise<Outcome> {
    return this.attempt(
      () => this.driver.resolveUser(target),
      (user) => ({
        role: this.roleOf(user.dn),
        uuid: presence(user.uuid),
        disabled: user.disabled,
        locked: user.locked,
        mustChangePassword: user.mustChangePassword,
        protectedReason: user.protectedReason,
      }),
    );
  }

  reset(role: Role, password: string, options: Partial<ResetOptions> = {}, driver = this.driver): Promise<Outcome> {
    this.used.add(password);
    return this.attempt(
      async () => {
        const outcome = await driver.resetPassword(await this.user(role, driver), password, { ...RESET_DEFAULTS, ...options });
        this.current[role] = password;
        return outcome;
      },
      (outcome) => {
        const { details } = outcome;
        const picked: Record<string, unknown> = { role: this.roleOf(outcome.dn, role), historyEnforced: 'historyEnforced' in details ? details.historyEnforced : 'absent' };
        for (const key of ['mustChangePassword', 'unlocked'] as const) if (key in details) picked[key] = details[key];
        if (Array.isArray(details.notApplied)) picked.notApplied = (details.notApplied as { what: string; code: string }[]).map((entry) => `${entry.what}:${entry.code}`);
        return picked;
      },
    );
  }

  /** An admin reset of an account that plays no role (the agent's own); nothing is tracked. */
  resetDn(dn: string, password: string): Promise<Outcome> {
    this.used.add(password);
    return this.attempt(
      async () => this.driver.resetPassword(await this.driver.resolveUser({ by: 'dn', value: dn }), password, RESET_DEFAULTS),
      (outcome) => ({ details: Object.keys(outcome.details).sort().join(',') }),
    );
  }

  /** The user's own change from `oldPassword` (default: the current one), after the agent's minimum-age decision as the pipeline makes it. */
  change(role: Role, newPassword: string, oldPassword = this.current[role], driver = this.driver): Promise<Outcome> {
    this.used.add(newPassword).add(oldPassword);
    return this.attempt(
      async () => {
        const user = await this.user(role, driver);
        if (minimumAgeApplies(CHANGE, user)) {
          const refusal = minimumAgeRefusal(user, (await driver.passwordPolicy(user)).minAgeMs, (this.clocks.get(driver) ?? (() => new Date()))());
          if (refusal !== null) throw refusal;
        }
        const outcome = await driver.changePassword(user, oldPassword, newPassword);
        this.current[role] = newPassword;
        return outcome;
      },
      (outcome) => ({ role: this.roleOf(outcome.dn, role), details: Object.keys(outcome.details).sort().join(',') }),
    );
  }

  state(role: Role): Promise<Outcome> {
    return this.attempt(
      async () => this.driver.getAccountState(await this.user(role)),
      (state) => ({
        role: this.roleOf(state.dn, role),
        exists: state.exists,
        locked: state.locked,
        disabled: state.disabled,
        mustChangePassword: state.mustChangePassword,
        passwordLastSet: presence(state.passwordLastSet),
        passwordChangeAllowedAt: presence(state.passwordChangeAllowedAt),
      }),
    );
  }

  unlock(role: Role): Promise<Outcome> {
    return this.attempt(
      async () => this.driver.unlockAccount(await this.user(role)),
      (outcome) => ({ role: this.roleOf(outcome.dn, role), details: Object.keys(outcome.details).join(',') }),
    );
  }

  /** The status of every check, by name. */
  permissions(role: Role | null): Promise<Outcome> {
    return this.attempt(
      async () => this.driver.checkPermissions(role === null ? {} : { user: await this.user(role) }),
      (report) => Object.fromEntries(report.checks.map((check) => [check.name, check.status])),
    );
  }

  /** A driver of its own for one action: another config or bind password. */
  private async withDriver<T>(overrides: Partial<DirectoryConfig>, bindPassword: string, fn: (driver: ActiveDirectoryDriver) => Promise<T>): Promise<T> {
    this.used.add(bindPassword);
    const driver = new ActiveDirectoryDriver({ ...this.backend.config, ...overrides }, { bindPassword, logger: this.logger, now: () => new Date() });
    try {
      return await fn(driver);
    } finally {
      await driver.close();
    }
  }

  permissionsWithBindPassword(bindPassword: string): Promise<Outcome> {
    return this.attempt(
      () => this.withDriver({}, bindPassword, (driver) => driver.checkPermissions({})),
      (report) => Object.fromEntries(report.checks.map((check) => [check.name, check.status])),
    );
  }

  resolveWithBindPassword(bindPassword: string, role: Role): Promise<Outcome> {
    return this.attempt(
      () => this.withDriver({}, bindPassword, (driver) => this.user(role, driver)),
      (user) => ({ role: this.roleOf(user.dn, role) }),
    );
  }

  /** Resolve, then reset when `password` is given, over StartTLS on the plain port. */
  overStartTls(role: Role, password?: string): Promise<Outcome> {
    const startTls = { urls: [this.backend.ldapUrl], tls: { ...this.backend.config.tls, startTls: true } };
    return this.attempt(
      () =>
        this.withDriver(startTls, this.backend.bindPassword, async (driver) => {
          const user = await this.user(role, driver);
          if (password === undefined) return { dn: user.dn, details: {} };
          this.used.add(password);
          const outcome = await driver.resetPassword(user, password, RESET_DEFAULTS);
          this.current[role] = password;
          return outcome;
        }),
      (outcome) => ({ role: this.roleOf(outcome.dn, role), details: Object.keys(outcome.details).sort().join(',') }),
    );
  }

  /** Resolve with a CA file that did not sign the directory's certificate. */
  async withForeignCa(role: Role): Promise<Outcome> {
    const dir = await mkdtemp(join(tmpdir(), 'differential-foreign-ca-'));
    try {
      await makeCa(dir);
      const foreign = { tls: { ...this.backend.config.tls, caFile: join(dir, 'ca.pem') } };
      return await this.attempt(
        () => this.withDriver(foreign, this.backend.bindPassword, (driver) => this.user(role, driver)),
        (user) => ({ role: this.roleOf(user.dn, role) }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** An operation on a user object whose DN does not exist (deleted after it was resolved). */
  onGhost(where: 'delegated' | 'outside', operation: 'state' | 'reset' | 'change' | 'unlock'): Promise<Outcome> {
    const ou = where === 'delegated' ? this.backend.delegatedOu : this.backend.roles.outside.dn.replace(/^CN=[^,]+,/i, '');
    const ghost: DirectoryUser = { dn: `CN=ghost,${ou}`, uuid: null, disabled: false, locked: false, passwordLastSet: null, mustChangePassword: false, protectedReason: null, snapshot: null };
    const action = {
      state: () => this.driver.getAccountState(ghost).then((state) => ({ exists: state.exists })),
      reset: () => this.driver.resetPassword(ghost, 'Ghost#Pass11', RESET_DEFAULTS).then(() => ({})),
      change: () => this.driver.changePassword(ghost, 'Ghost#Pass11', 'Ghost#Pass22').then(() => ({})),
      unlock: () => this.driver.unlockAccount(ghost).then(() => ({})),
    }[operation];
    return this.attempt(action, (value) => value);
  }

  /** A simple bind over plain LDAP, without StartTLS. */
  async bindPlain(role: Role): Promise<Outcome> {
    const client = new Client({ url: this.backend.ldapUrl, timeout: 5000, connectTimeout: 5000 });
    try {
      await client.bind(this.backend.roles[role].upn, this.current[role]);
      return { code: 'OK' };
    } catch (error) {
      return errorOutcome(mapDirectoryError(error, { operation: 'userBind' }));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** Runs a backend action (down, back) as a step outcome. */
  async control(action: () => Promise<void>): Promise<Outcome> {
    try {
      await action();
      return { code: 'OK' };
    } catch (error) {
      return errorOutcome(error);
    }
  }

  alreadyApplied(role: Role, password: string, since: Date): Promise<Outcome> {
    this.used.add(password);
    return this.attempt(
      async () => this.driver.passwordAlreadyApplied(await this.user(role), password, since),
      (applied) => ({ applied }),
    );
  }

  /** A simple bind as the user over LDAPS (by UPN), its failure mapped by the agent's own table. */
  bind(role: Role, password = this.current[role]): Promise<Outcome> {
    return this.bindAs(this.backend.roles[role].upn, password);
  }

  /** A simple bind naming the account any way AD accepts (DN, UPN, DOMAIN\\user...). */
  async bindAs(name: string, password: string): Promise<Outcome> {
    this.used.add(password);
    const client = new Client({ url: this.backend.ldapsUrl, tlsOptions: { ca: [this.backend.caPem] }, timeout: 5000, connectTimeout: 5000 });
    try {
      await client.bind(name, password);
      return { code: 'OK' };
    } catch (error) {
      return errorOutcome(mapDirectoryError(error, { operation: 'userBind' }));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** Replaces one attribute of a role's entry as Administrator. */
  async setAttribute(role: Role, attribute: string, value: string): Promise<Outcome> {
    try {
      const client = await this.backend.adminClient();
      try {
        await client.modify(this.backend.roles[role].dn, [new Change({ operation: 'replace', modification: new Attribute({ type: attribute, values: [value] }) })]);
      } finally {
        await client.unbind();
      }
      return { code: 'OK' };
    } catch (error) {
      return errorOutcome(error);
    }
  }

  /** Domain policy written as Administrator over LDAP. */
  async setPolicy(settings: Partial<PasswordSettings>): Promise<Outcome> {
    try {
      const client = await this.backend.adminClient();
      try {
        await writePasswordSettings(client, this.backend.baseDn, settings);
      } finally {
        await client.unbind();
      }
      return { code: 'OK' };
    } catch (error) {
      return errorOutcome(error);
    }
  }

  /** The policy as `driver` reads (or has cached) it for the role. */
  policy(role: Role, driver = this.driver): Promise<Outcome> {
    return this.attempt(
      async () => driver.passwordPolicy(await this.user(role, driver)),
      (policy) => ({
        source: policy.source.toLowerCase() === this.backend.baseDn.toLowerCase() ? 'domain root' : policy.source,
        minLength: policy.minLength,
        complexity: policy.complexity,
        historyLength: policy.historyLength,
        minAgeMs: policy.minAgeMs,
        lockoutThreshold: policy.lockoutThreshold,
        lockoutDurationMs: policy.lockoutDurationMs,
      }),
    );
  }
}
