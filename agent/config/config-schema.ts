import { validate as isValidCron } from 'node-cron';
import { DIRECTORY_NAME, MAX_REPORTED_DIRECTORIES } from '../../protocol/directories-report.js';
import type { AgentConfig, AgentDirectoryConfig, SecretRef, TrustedKeyConfig } from './agent-config.js';
import { ConfigDefaults as D } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { dnSyntaxError, isDnWithin } from './dn-syntax.js';
import { checkPortalConfig, groupDnList, portalConfig, PORTAL_OFF } from './portal-config.js';
import { arrayOf, boolean, integer, joinPath, nullable, object, oneOf, optional, refine, required, string, type Parser } from './schema.js';

/**
 * The schema of the config file (AGENT-INTERFACE.md), with the cross-field rules. Output paths are
 * as written in the file; load-config.ts resolves them against the file's directory.
 */

const SECRET_REF_FIX = 'use { "env": NAME }, { "file": PATH } or { "secret": NAME }';

/** `{ "env" | "file" | "secret": string }`; a literal string is refused without echoing it. */
export const secretRef: Parser<SecretRef> = (value, path) => {
  if (typeof value === 'string') throw new ConfigError(path, 'a literal password is not allowed in the config file', SECRET_REF_FIX);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(path, 'expected an object naming where the password comes from', SECRET_REF_FIX);
  }
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length !== 1 || (key !== 'env' && key !== 'file' && key !== 'secret')) {
    throw new ConfigError(path, `expected exactly one of the keys env, file, secret, got ${keys.length === 0 ? 'none' : keys.join(', ')}`, SECRET_REF_FIX);
  }
  const name = string()((value as Record<string, unknown>)[key], joinPath(path, key));
  if (key === 'env' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ConfigError(joinPath(path, key), 'not a valid environment variable name', 'use letters, digits and underscores');
  }
  if (key === 'env') return { env: name };
  if (key === 'file') return { file: name };
  return { secret: name };
};

function url(schemes: readonly string[], fix: string, options: { allowCredentials?: boolean } = {}): Parser<string> {
  return (value, path) => {
    const text = string()(value, path);
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new ConfigError(path, 'not a valid URL', fix);
    }
    // The value is never echoed: a URL may carry credentials.
    if (!schemes.includes(parsed.protocol)) throw new ConfigError(path, `the scheme ${parsed.protocol}// is not allowed here`, fix);
    if (parsed.hostname === '') throw new ConfigError(path, 'the URL has no host', fix);
    if (!options.allowCredentials && (parsed.username !== '' || parsed.password !== '')) {
      throw new ConfigError(path, 'credentials in the URL are not allowed', 'remove user:password@ from the URL');
    }
    return text;
  };
}

const dn: Parser<string> = (value, path) => {
  const text = string()(value, path);
  const problem = dnSyntaxError(text);
  if (problem !== null) throw new ConfigError(path, `not a valid DN: ${problem}`, 'write it as RFC 4514, e.g. OU=Staff,DC=corp,DC=example');
  return text;
};

const cron: Parser<string> = (value, path) => {
  const text = string()(value, path);
  if (!isValidCron(text)) throw new ConfigError(path, 'not a valid cron expression', 'use five fields (minute hour day month weekday), e.g. "0 */6 * * *"');
  return text;
};

const base64urlKey32: Parser<string> = (value, path) => {
  const text = string()(value, path);
  if (!/^[A-Za-z0-9_-]{43}$/.test(text) || Buffer.from(text, 'base64url').length !== 32) {
    throw new ConfigError(path, 'not a 32-byte Ed25519 public key in base64url', 'paste the key exactly as the service publishes it (43 characters)');
  }
  return text;
};

const trustedKey: Parser<TrustedKeyConfig> = object({ kid: required(string()), publicKey: required(base64urlKey32) });

const service = refine(
  object({
    url: required(url(['wss:', 'ws:'], 'use the wss:// URL of the reset service')),
    allowInsecure: optional(boolean(), D.allowInsecure),
    caFile: optional(nullable(string()), null),
    proxy: optional(nullable(url(['http:', 'https:'], 'use http://host:port of an HTTPS (CONNECT) proxy', { allowCredentials: true })), null),
    trustedKeys: optional(arrayOf(trustedKey), []),
  }),
  (value, path) => {
    if (new URL(value.url).protocol === 'ws:' && !value.allowInsecure) {
      throw new ConfigError(joinPath(path, 'url'), 'ws:// is unencrypted and refused by default', 'use a wss:// URL, or for local testing only set "service": { "allowInsecure": true }');
    }
  },
);

const LDAP_URL_FIX = 'use ldaps://host:636, or ldap://host:389 with "tls": { "startTls": true }';

const directory: Parser<AgentDirectoryConfig> = refine(
  object({
    id: required(
      refine(string(), (id, path) => {
        // The form the signed `directories` report carries (docs/protocol.md section 15): an id it cannot carry would cost the service every kind.
        if (!DIRECTORY_NAME.test(id)) throw new ConfigError(path, 'not a valid directory id', 'use letters, digits, ".", "_" and "-", at most 64 characters, starting with a letter or digit');
      }),
    ),
    kind: required(oneOf(['activeDirectory', 'openldap'] as const)),
    urls: required(arrayOf(url(['ldap:', 'ldaps:'], LDAP_URL_FIX), { minItems: 1 })),
    baseDn: required(dn),
    bindDn: required(dn),
    bindPassword: required(secretRef),
    tls: optional(object({ caFile: optional(nullable(string()), null), startTls: optional(boolean(), false) }), { caFile: null, startTls: false }),
    scope: required(
      object({
        include: required(arrayOf(dn, { minItems: 1 })),
        exclude: optional(arrayOf(dn), []),
        refuseProtectedAccounts: optional(boolean(), D.refuseProtectedAccounts),
        protectedGroups: optional(arrayOf(dn), []),
        selfServiceProtectedGroups: optional(groupDnList(), []),
      }),
    ),
    portal: optional(portalConfig, PORTAL_OFF),
    historyOnReset: optional(oneOf(['require', 'bestEffort'] as const), D.historyOnReset),
    passwordMethod: optional(oneOf(['passwordModify', 'replace'] as const), D.passwordMethod),
    timeoutMs: optional(integer({ min: 100, max: 600_000 }), D.timeoutMs),
    poolSize: optional(integer({ min: 1, max: 64 }), D.poolSize),
    policyCacheMs: optional(integer({ min: 0 }), D.policyCacheMs),
    defaultPolicyDn: optional(nullable(dn), null),
  }),
  (value, path) => {
    value.urls.forEach((u, index) => {
      if (new URL(u).protocol === 'ldap:' && !value.tls.startTls) {
        throw new ConfigError(
          joinPath(joinPath(path, 'urls'), index),
          'ldap:// without StartTLS would send the bind password and new passwords in clear text',
          'use ldaps://, or set "tls": { "startTls": true }',
        );
      }
    });
    (['include', 'exclude'] as const).forEach((key) => {
      value.scope[key].forEach((entry, index) => {
        if (!isDnWithin(entry, value.baseDn)) {
          throw new ConfigError(joinPath(joinPath(joinPath(path, 'scope'), key), index), 'lies outside baseDn, so it can never match a user', 'use a DN below baseDn');
        }
      });
    });
    checkPortalConfig(value.portal, value.scope.selfServiceProtectedGroups, value.baseDn, path);
  },
);

const directories = refine(arrayOf(directory, { minItems: 1 }), (list, path) => {
  if (list.length > MAX_REPORTED_DIRECTORIES) {
    throw new ConfigError(path, `${list.length} directories`, `at most ${MAX_REPORTED_DIRECTORIES} directories per agent (what one directories report carries); run another agent for the rest`);
  }
  const seen = new Set<string>();
  list.forEach((d, index) => {
    if (seen.has(d.id)) throw new ConfigError(joinPath(joinPath(path, index), 'id'), `duplicate directory id ${JSON.stringify(d.id)}`, 'give each directory its own id');
    seen.add(d.id);
  });
});

const root = object({
  service: required(service),
  stateDir: required(string()),
  secretStore: optional(oneOf(['keychain', 'file'] as const), D.secretStore),
  defaultDirectory: optional(nullable(string()), null),
  directories: required(directories),
  limits: optional(
    object({
      maxInFlight: optional(integer({ min: 1, max: 1024 }), D.maxInFlight),
      perTargetPerMinute: optional(integer({ min: 1 }), D.perTargetPerMinute),
    }),
    { maxInFlight: D.maxInFlight, perTargetPerMinute: D.perTargetPerMinute },
  ),
  clock: optional(object({ maxSkewMs: optional(integer({ min: 0, max: 3_600_000 }), D.maxSkewMs) }), { maxSkewMs: D.maxSkewMs }),
  journal: optional(object({ retentionDays: optional(integer({ min: 1 }), D.journalRetentionDays) }), { retentionDays: D.journalRetentionDays }),
  logging: optional(
    object({
      level: optional(oneOf(['error', 'warn', 'info', 'debug'] as const), D.logLevel),
      dir: optional(nullable(string()), null),
      maxFileBytes: optional(integer({ min: 4096 }), D.logMaxFileBytes),
      maxFiles: optional(integer({ min: 1 }), D.logMaxFiles),
      console: optional(boolean(), true),
    }),
    { level: D.logLevel, dir: null, maxFileBytes: D.logMaxFileBytes, maxFiles: D.logMaxFiles, console: true },
  ),
  audit: optional(object({ file: optional(nullable(string()), null) }), { file: null }),
  schedule: optional(
    object({
      permissionCheck: optional(cron, D.permissionCheckCron),
      journalCompaction: optional(cron, D.journalCompactionCron),
      certificateExpiry: optional(cron, D.certificateExpiryCron),
      certificateWarningDays: optional(arrayOf(integer({ min: 0, max: 3650 })), [...D.certificateWarningDays]),
    }),
    {
      permissionCheck: D.permissionCheckCron,
      journalCompaction: D.journalCompactionCron,
      certificateExpiry: D.certificateExpiryCron,
      certificateWarningDays: [...D.certificateWarningDays],
    },
  ),
});

/** The whole file's parser (configKeys(configSchema) lists its keys for the reference docs). */
export const configSchema = root;

/** The file's content as written (paths not yet resolved; audit.file may still be null). */
export type RawAgentConfig = Omit<AgentConfig, 'source' | 'audit'> & { audit: { file: string | null } };

/** Validates the parsed JSON of a config file; throws the first ConfigError. */
export function parseConfigValue(value: unknown): RawAgentConfig {
  const parsed: RawAgentConfig = root(value, '');
  if (parsed.defaultDirectory !== null && !parsed.directories.some((d) => d.id === parsed.defaultDirectory)) {
    throw new ConfigError('defaultDirectory', `no directory has the id ${JSON.stringify(parsed.defaultDirectory)}`, 'use the id of one of the directories, or null for the first');
  }
  return parsed;
}
