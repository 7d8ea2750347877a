import { connect } from 'node:tls';
import type { Client } from 'ldapts';
import type { PermissionCheck, PermissionReport } from '../driver.js';
import { loadCa } from '../ldap/ldap-connector.js';
import { readRootDse } from '../ldap/root-dse.js';
import { Oid } from '../oids.js';
import { AdAttribute, DomainPolicyAttribute } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { entryValues } from '../ldap/entry-values.js';
import { domainPolicyFrom } from './password-policy.js';
import { AdRight } from './rights.js';
import { readUserEntry } from './user-lookup.js';

/** A certificate that expires sooner than this is a WARN. */
const CERT_WARN_MS = 30 * 86_400_000;
const USER_FILTER = '(&(objectCategory=person)(objectClass=user)(!(adminCount=1)))';

function check(name: string, status: PermissionCheck['status'], detail: string, required = true, fix?: string): PermissionCheck {
  return fix === undefined ? { name, status, required, detail } : { name, status, required, detail, fix };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}

/** The expiry of an LDAPS server's certificate, verified against the configured CA. */
function certificateExpiry(url: string, ca: Buffer | undefined, timeoutMs: number): Promise<Date> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(parsed.port || 636), ca, rejectUnauthorized: true, timeout: timeoutMs, ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }) }, () => {
      const validTo = socket.getPeerCertificate().valid_to;
      socket.end();
      resolve(new Date(validTo));
    });
    socket.once('error', reject);
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('TLS handshake timed out'));
    });
  });
}

async function tlsCheck(context: AdContext): Promise<PermissionCheck> {
  const { urls, tls, timeoutMs } = context.config;
  const ca = loadCa(tls.caFile);
  const notes: string[] = [];
  let status: PermissionCheck['status'] = 'OK';
  for (const url of urls) {
    if (!url.toLowerCase().startsWith('ldaps:')) {
      notes.push(`${url}: StartTLS with certificate verification (expiry not read over StartTLS)`);
      continue;
    }
    try {
      const expiry = await certificateExpiry(url, ca, timeoutMs);
      const left = expiry.getTime() - context.deps.now().getTime();
      if (left < CERT_WARN_MS) status = 'WARN';
      notes.push(`${url}: certificate verified, expires ${expiry.toISOString()}`);
    } catch (error) {
      status = status === 'OK' ? 'WARN' : status;
      notes.push(`${url}: TLS failed (${errorText(error)})`);
    }
  }
  return check('tls', status, notes.join('; '), true, status === 'OK' ? undefined : 'renew the certificate or fix tls.caFile so that every URL verifies');
}

/** One ordinary user to look at when the report is not about a given user: the first of the first scope base. */
async function sampleUserDn(client: Client, base: string): Promise<string | null> {
  for await (const page of client.searchPaginated(base, { scope: 'sub', filter: USER_FILTER, attributes: ['1.1'], paged: { pageSize: 1 } })) {
    const first = page.searchEntries[0];
    if (first !== undefined) return first.dn;
  }
  return null;
}

/**
 * A basic, read-only permission report: the bind, TLS, what allowedAttributesEffective says about
 * pwdLastSet and lockoutTime on one user, and reading the domain policy. The Reset Password right
 * does not show in allowedAttributesEffective; telling it needs a DACL evaluation this report does
 * not do yet, so that check is a WARN, never a false OK.
 */
export async function permissionReport(context: AdContext, userDn: string | null): Promise<PermissionReport> {
  const checks: PermissionCheck[] = [];
  const { config } = context;
  let controls: ReadonlySet<string>;
  try {
    const rootDse = await context.withClient('serviceBind', readRootDse, { idempotent: true });
    controls = new Set(rootDse.supportedControl);
    checks.push(check('bind', 'OK', `bound as ${config.bindDn}`));
  } catch (error) {
    checks.push(check('bind', 'MISSING', `cannot bind as ${config.bindDn}: ${errorText(error)}`, true, 'check bindDn, bindPassword, urls and tls.caFile'));
    checks.push(await tlsCheck(context));
    for (const name of ['resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy']) checks.push(check(name, 'WARN', 'not checked: no bound connection'));
    return { directory: config.id, checks };
  }
  checks.push(await tlsCheck(context));

  const scopeBase = config.scope.include[0] ?? config.baseDn;
  const sample = userDn ?? (await context.withClient('search', (client) => sampleUserDn(client, scopeBase), { idempotent: true }).catch(() => null));
  if (sample === null) {
    for (const name of ['resetPassword', 'writePwdLastSet', 'writeLockoutTime']) checks.push(check(name, 'WARN', `no user found under ${scopeBase} to check on; pass a user`));
  } else {
    const entry = await context.withClient('search', (client) => readUserEntry(client, sample, [AdAttribute.allowedAttributesEffective]), { idempotent: true }).catch(() => null);
    const writable = new Set((entry === null ? [] : entryValues(entry, AdAttribute.allowedAttributesEffective)).map((name) => name.toLowerCase()));
    const on = userDn === null ? `on ${sample} (a sample user of ${scopeBase})` : `on ${sample}`;
    checks.push(check('resetPassword', 'WARN', `not evaluated ${on}: the right is visible only in the DACL, which this report does not evaluate yet; a test reset proves it`, true,
      `dsacls "${scopeBase}" /I:S /G "<agent account>:CA;Reset Password;user"`));
    for (const [name, attribute, right] of [['writePwdLastSet', AdAttribute.pwdLastSet, AdRight.writePwdLastSet], ['writeLockoutTime', AdAttribute.lockoutTime, AdRight.writeLockoutTime]] as const) {
      checks.push(writable.has(attribute.toLowerCase())
        ? check(name, 'OK', `${attribute} is writable ${on}`)
        : check(name, 'MISSING', `${attribute} is not writable ${on}: needs ${right}`, true, `dsacls "${scopeBase}" /I:S /G "<agent account>:RPWP;${attribute};user"`));
    }
  }

  try {
    const policy = await context.withClient('search', async (client) => {
      const { searchEntries } = await client.search(config.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: Object.values(DomainPolicyAttribute) });
      const entry = searchEntries[0];
      if (entry === undefined || entryValues(entry, DomainPolicyAttribute.minPwdLength).length === 0) return null;
      return domainPolicyFrom(entry);
    }, { idempotent: true });
    checks.push(policy === null
      ? check('readPasswordPolicy', 'MISSING', `the domain policy attributes of ${config.baseDn} are not readable`)
      : check('readPasswordPolicy', 'OK', `minimum length ${policy.minLength}, complexity ${policy.complexity ? 'on' : 'off'}, history ${policy.historyLength}, minimum age ${Math.round(policy.minAgeMs / 1000)} s`));
  } catch (error) {
    checks.push(check('readPasswordPolicy', 'MISSING', `reading the domain policy failed: ${errorText(error)}`));
  }

  const hints = controls.has(Oid.policyHints) || controls.has(Oid.policyHintsDeprecated);
  const requireHistory = config.historyOnReset === 'require';
  checks.push(hints
    ? check('historyOnReset', 'OK', 'the DC supports the policy hints control: history is enforced on resets', requireHistory)
    : check('historyOnReset', requireHistory ? 'MISSING' : 'WARN', `the DC does not support the policy hints control: resets ${requireHistory ? 'that enforce history are refused (historyOnReset "require")' : 'do not enforce password history (historyOnReset "bestEffort")'}`, requireHistory));
  checks.push(check('unexpirePassword', 'WARN', `not evaluated: ${AdRight.unexpirePassword} may be needed to set pwdLastSet to -1 on Windows`, false));
  return { directory: config.id, checks };
}
