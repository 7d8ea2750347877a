import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Client } from 'ldapts';
import type { DirectoryConfig } from '../directory/directory-config.js';
import { AdBindData } from '../../ldap-constants/ad-diagnostic-codes.js';
import { connectOne, ldapSecureContext, loadCa } from '../directory/ldap/ldap-connector.js';
import { withTimeout } from '../directory/ldap/with-timeout.js';
import { Oid } from '../../ldap-constants/oids.js';
import { classifyError } from './classify-error.js';
import { hostAndPort, resolveHost, systemLookup, tcpConnect, type Lookup } from './net-probes.js';
import { Diagnosis, fixFor, type DirectoryStep, type NetworkCause, type StepResult, type StepStatus } from './network-causes.js';
import { inspectTls, tlsFacts, tlsSteps, type TlsFacts } from './tls-inspection.js';

export interface DirectoryPathOptions {
  directory: DirectoryConfig;
  /** The bind password, or why it could not be read (then the bind is not tried). */
  password: { ok: true; value: string } | { ok: false; reason: string };
  timeoutMs: number;
  now?: () => Date;
  lookup?: Lookup;
}

const DEFAULT_PORTS = { 'ldaps:': 636, 'ldap:': 389 } as const;

/** LDAP result codes this module tells apart (RFC 4511). */
const LdapCode = { strongerAuthRequired: 8, invalidCredentials: 49 } as const;

/** AD's bind sub-status when the DC wants a channel binding token the bind did not carry (SEC_E_BAD_BINDINGS). */
const BAD_BINDINGS = '80090346';

class UrlReport {
  readonly lines: StepResult[] = [];
  failed = false;
  constructor(
    readonly target: string,
    readonly directory: string,
  ) {}

  add(step: DirectoryStep, status: StepStatus, detail: string, cause?: NetworkCause, fix?: string): void {
    this.lines.push({ path: 'directory', target: this.target, directory: this.directory, step, status, detail, ...(cause === undefined ? {} : { cause, fix: fix ?? fixFor(cause) }) });
    if (status === 'FAIL') this.failed = true;
  }

  fail(step: DirectoryStep, cause: NetworkCause, detail: string, status: StepStatus = 'FAIL'): void {
    this.add(step, status, `${Diagnosis.causes[cause].label}: ${detail}`, cause);
  }

  failWith(step: DirectoryStep, error: unknown, fallback: NetworkCause): void {
    const classified = classifyError(error, { viaProxy: false });
    this.fail(step, classified?.cause ?? fallback, classified?.detail ?? ldapDetail(error));
  }

  finish(steps: readonly DirectoryStep[]): StepResult[] {
    for (const step of steps) {
      if (!this.lines.some((line) => line.step === step))
        this.lines.push({ path: 'directory', target: this.target, directory: this.directory, step, status: 'SKIPPED', detail: 'not tried: an earlier step failed' });
    }
    return this.lines;
  }
}

/** An LDAP error as a code an admin can look up: the result code and AD's `data` sub-status, never the server's text. */
function ldapDetail(error: unknown): string {
  const code: unknown = (error as { code?: unknown }).code;
  const data = adBindData(error);
  if (typeof code === 'number') return `LDAP result ${code}${data === null ? '' : `, data ${data}`}`;
  return typeof code === 'string' ? code : 'unexpected error';
}

function adBindData(error: unknown): string | null {
  const message = error instanceof Error ? error.message : '';
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(message)?.[1]?.toLowerCase() ?? null;
}

const BIND_DATA_MEANING: Readonly<Record<string, string>> = {
  [AdBindData.noSuchUser]: 'no such user',
  [AdBindData.wrongPassword]: 'wrong password',
  [AdBindData.logonHours]: 'outside logon hours',
  [AdBindData.workstation]: 'not allowed from this workstation',
  [AdBindData.passwordExpired]: 'password expired',
  [AdBindData.disabled]: 'account disabled',
  [AdBindData.accountExpired]: 'account expired',
  [AdBindData.mustChangePassword]: 'password must be changed',
  [AdBindData.locked]: 'account locked',
};

/**
 * The path to every URL of one directory: name resolution, TCP, TLS (issuer, name, expiry), the
 * bind, the root DSE (vendor and the controls the agent relies on), and for Active Directory over
 * ldap:// with StartTLS, signing and channel binding.
 */
export async function diagnoseDirectory(options: DirectoryPathOptions): Promise<StepResult[]> {
  const lines: StepResult[] = [];
  for (const url of options.directory.urls) lines.push(...(await diagnoseUrl(url, options)));
  return lines;
}

async function diagnoseUrl(target: string, options: DirectoryPathOptions): Promise<StepResult[]> {
  const { directory, timeoutMs } = options;
  const now = options.now ?? (() => new Date());
  const report = new UrlReport(target, directory.id);
  const url = new URL(target);
  const { host, port } = hostAndPort(url, DEFAULT_PORTS);
  const secure = url.protocol === 'ldaps:';
  const adStartTls = directory.kind === 'activeDirectory' && !secure;
  const steps = Diagnosis.steps.directory.filter((step) => adStartTls || (step !== 'signing' && step !== 'channelBinding'));
  const ca = loadCa(directory.tls.caFile);

  let addresses: string[];
  try {
    addresses = await resolveHost(host, options.lookup ?? systemLookup);
    if (addresses.length === 0) throw Object.assign(new Error('no address'), { code: 'ENOTFOUND' });
    report.add('resolve', 'OK', `${host} is ${addresses.join(', ')}`);
  } catch (error) {
    report.failWith('resolve', error, 'NAME_NOT_RESOLVED');
    return report.finish(steps);
  }

  let socket;
  try {
    socket = await tcpConnect(addresses[0]!, port, timeoutMs);
    report.add('tcp', 'OK', `connected to ${addresses[0]!}:${port}`);
  } catch (error) {
    report.failWith('tcp', error, 'CONNECTION_FAILED');
    return report.finish(steps);
  }

  try {
    let facts: TlsFacts;
    if (secure) facts = await inspectTls({ host, port, socket, ca, timeoutMs });
    else {
      socket.destroy();
      facts = await startTlsFacts(target, host, ca, timeoutMs);
    }
    for (const line of tlsSteps(facts, { path: 'directory', target, directory: directory.id, host, now: now(), caFile: directory.tls.caFile })) {
      report.add(line.step as DirectoryStep, line.status, line.detail, line.cause, line.fix);
    }
  } catch (error) {
    report.failWith('tls', error, 'TLS_FAILED');
  }
  if (report.failed) return report.finish(steps);

  if (!options.password.ok) {
    report.fail('bind', 'SECRET_UNAVAILABLE', options.password.reason);
    return report.finish(steps);
  }
  await bindSteps(report, target, host, secure, ca, options.password.value, options, adStartTls);
  return report.finish(steps);
}

/** StartTLS on a fresh connection, read without trusting the certificate (inspection only, as in inspectTls). */
async function startTlsFacts(target: string, host: string, ca: Buffer | undefined, timeoutMs: number): Promise<TlsFacts> {
  const client = new Client({ url: target, timeout: timeoutMs, connectTimeout: timeoutMs });
  try {
    await withTimeout(
      client.startTLS({ rejectUnauthorized: false, minVersion: 'TLSv1.2', ...(isIP(host) === 0 ? { servername: host } : {}), ...(ca === undefined ? {} : { ca }) }),
      timeoutMs,
      'StartTLS',
      () => undefined,
    );
    const socket = (client as unknown as { socket?: TLSSocket }).socket;
    if (socket === undefined || typeof socket.getPeerCertificate !== 'function') throw Object.assign(new Error('StartTLS gave no TLS socket'), { code: 'EPROTO' });
    return tlsFacts(socket, host);
  } finally {
    // Closed without an unbind: nothing more goes over the unverified connection.
    const socket = (client as unknown as { socket?: TLSSocket }).socket;
    if (socket !== undefined) socket.destroy();
    else await client.unbind().catch(() => undefined);
  }
}

/** The bind over a verified connection as the agent makes it, then the root DSE and, for AD over StartTLS, signing and channel binding. */
async function bindSteps(
  report: UrlReport,
  target: string,
  host: string,
  secure: boolean,
  ca: Buffer | undefined,
  password: string,
  options: DirectoryPathOptions,
  adStartTls: boolean,
): Promise<void> {
  const { directory, timeoutMs } = options;
  let client: Client;
  try {
    client = await connectOne({ url: target, host, secure }, ldapSecureContext(ca), timeoutMs);
  } catch (error) {
    report.failWith('bind', error, 'CONNECTION_FAILED');
    return;
  }
  try {
    try {
      await withTimeout(client.bind(directory.bindDn, password), timeoutMs, 'bind', () => undefined);
      report.add('bind', 'OK', `bound as ${directory.bindDn}${secure ? '' : ' inside StartTLS'}`);
    } catch (error) {
      const code: unknown = (error as { code?: unknown }).code;
      const data = adBindData(error);
      if (adStartTls && code === LdapCode.strongerAuthRequired) {
        report.fail('bind', 'SIGNING_REQUIRED', `LDAP result ${code}`);
        report.fail('signing', 'SIGNING_REQUIRED', 'the DC refused the simple bind inside StartTLS with strongerAuthRequired');
      } else if (adStartTls && data === BAD_BINDINGS) {
        report.fail('bind', 'CHANNEL_BINDING_REQUIRED', `data ${data}`);
        report.fail('channelBinding', 'CHANNEL_BINDING_REQUIRED', 'the DC refused the bind for a missing channel binding token');
      } else if (code === LdapCode.invalidCredentials) {
        const meaning = data === null ? undefined : BIND_DATA_MEANING[data];
        report.fail('bind', 'BIND_REFUSED', `${directory.bindDn}: ${ldapDetail(error)}${meaning === undefined ? '' : ` (${meaning})`}`);
      } else report.failWith('bind', error, 'BIND_REFUSED');
      return;
    }
    await rootDseStep(report, client, directory);
    if (adStartTls) {
      report.add('signing', 'OK', "the DC accepted the simple bind inside StartTLS: TLS meets an LDAP signing requirement (LDAPServerIntegrity), so the DC's setting does not matter to the agent");
      report.add(
        'channelBinding',
        'OK',
        "the DC accepted the bind without a channel binding token: channel binding (LdapEnforceChannelBinding) applies to NTLM and Kerberos binds, not to the agent's simple bind",
      );
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

type OidName = keyof typeof Oid;

/** The root DSE: which server this is (against `kind`), and the controls and extended operations the agent relies on. */
async function rootDseStep(report: UrlReport, client: Client, directory: DirectoryConfig): Promise<void> {
  let entry: Record<string, unknown>;
  try {
    const { searchEntries } = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['supportedControl', 'supportedExtension', 'supportedCapabilities', 'vendorName', 'vendorVersion', 'objectClass'],
    });
    entry = searchEntries[0] ?? {};
  } catch (error) {
    report.fail('rootDse', 'ROOT_DSE_UNREADABLE', ldapDetail(error));
    return;
  }
  const values = (name: string): string[] => {
    const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? [] : entry[key];
    return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
  };
  const isAd = values('supportedCapabilities').includes(Oid.capabilityActiveDirectory);
  const isOpenLdap = values('objectClass').some((c) => c.toLowerCase() === 'openldaprootdse');
  const vendorName = values('vendorName')[0]?.slice(0, 80);
  const vendor = isAd ? `Active Directory${vendorName === undefined ? '' : ` (${vendorName})`}` : isOpenLdap ? 'OpenLDAP' : (vendorName ?? 'an LDAP server that does not name itself');
  if (directory.kind === 'activeDirectory' ? !isAd : isAd) {
    report.fail('rootDse', 'WRONG_DIRECTORY_KIND', `the server is ${vendor}, the config says ${directory.kind}`);
    return;
  }
  const offered = new Set([...values('supportedControl'), ...values('supportedExtension')]);
  const missingRequired: string[] = [];
  const missingOptional: string[] = [];
  for (const item of Diagnosis.reliedOn[directory.kind]) {
    if (item.oids.some((name: OidName) => offered.has(Oid[name]))) continue;
    const required = (item.requiredBy === 'historyOnReset' && directory.historyOnReset === 'require') || (item.requiredBy === 'passwordMethod' && directory.passwordMethod === 'passwordModify');
    (required ? missingRequired : missingOptional).push(`${item.name} (${item.use})`);
  }
  const relied = Diagnosis.reliedOn[directory.kind].map((item) => item.name).join(', ');
  if (missingRequired.length > 0) report.fail('rootDse', 'CONTROL_MISSING', `${vendor}; missing ${missingRequired.join(', ')}`);
  else if (missingOptional.length > 0) report.fail('rootDse', 'CONTROL_MISSING', `${vendor}; missing ${missingOptional.join(', ')}`, 'WARN');
  else report.add('rootDse', 'OK', `${vendor}; offers ${relied}`);
}
