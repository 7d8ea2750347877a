import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import type { DomainInfo } from './ad/domain-info.js';
import { SimDirectory } from './ad/sim-directory.js';
import { SimMode } from './ad/sim-mode.js';
import { Faults } from './faults.js';
import { OpLog } from './op-log.js';
import { seedBulkUsers } from './seed/seed-bulk-users.js';
import { seedDefaultDomain, seedDomainRoot, type DefaultSeedOptions } from './seed/seed-default-domain.js';
import { seedFromJson, type JsonSeed } from './seed/seed-from-json.js';
import { seedFromLdif } from './seed/seed-from-ldif.js';
import { defaultDomain } from './seed/seeded-domain.js';
import { parseFilter } from './filter/parse-filter.js';
import type { SearchScope } from './protocol/ldap-request.js';
import { matchingKeys } from './server/handle-search.js';
import { LdapListener } from './server/ldap-server.js';
import type { Entry } from './store/entry.js';
import { silentLogger, type SimLogger } from './server/sim-logger.js';
import { DirectoryStore } from './store/directory-store.js';

/** TLS material in PEM; the test or CLI makes it (see tls/make-test-pki.ts). */
export interface SimTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** The CA that issued `cert`, handed back to clients as caPem. */
  ca?: string | Buffer;
}

export interface DirectorySimOptions {
  mode?: SimMode;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  ldapPort?: number;
  ldapsPort?: number;
  /** Without it there is no LDAPS listener and StartTLS answers unavailable. */
  tls?: SimTlsOptions;
  domain?: Partial<DomainInfo>;
  /**
   * 'default': the seeded test domain (seed/seeded-domain.ts). 'empty': domain root, Users,
   * AdminSDHolder and domain groups only. Or LDIF / JSON objects created after the empty domain.
   */
  seed?: 'default' | 'empty' | { ldif: string } | { json: JsonSeed | string };
  defaultSeed?: DefaultSeedOptions;
  /** Generated users added after the seed (OU=Bulk). */
  bulkUsers?: number;
  /** Milliseconds since the epoch; tests pass their own to control time. */
  clock?: () => number;
  logger?: SimLogger;
  /** AD's MaxPageSize (default 1000). */
  maxPageSize?: number;
  /**
   * Serve the same directory as another running sim: a second DC of the domain (for failover
   * tests). Seeding options are ignored; faults are this DC's own.
   */
  replicaOf?: DirectorySim;
}

export interface DirectorySim {
  ldapUrl: string;
  /** undefined without tls. */
  ldapsUrl: string | undefined;
  host: string;
  ldapPort: number;
  ldapsPort: number | undefined;
  caPem: string | undefined;
  /** caPem written to a file (for configs that take a path); removed by stop(). */
  caFile: string | undefined;
  baseDn: string;
  mode: SimMode;
  domain: DomainInfo;
  directory: SimDirectory;
  store: DirectoryStore;
  faults: Faults;
  opLog: OpLog;
  /**
   * Searches the store directly with an RFC 4515 filter (no access checks, no network): for
   * tests that look at the directory behind the agent's back.
   */
  find(filter: string, options?: { base?: string; scope?: SearchScope }): Entry[];
  /** Ends all client connections now (the listeners stay up). */
  dropConnections(): void;
  stop(): Promise<void>;
}

/** Builds and seeds the directory a new sim serves. */
function createDirectory(options: DirectorySimOptions): SimDirectory {
  const mode = options.mode ?? SimMode.windows;
  const domain: DomainInfo = { ...defaultDomain, ...options.domain };
  const directory = new SimDirectory(new DirectoryStore(), domain, mode, options.clock ?? Date.now, new OpLog());
  const seed = options.seed ?? 'default';
  if (seed === 'default') seedDefaultDomain(directory, options.defaultSeed);
  else {
    seedDomainRoot(directory, options.defaultSeed?.policy);
    if (typeof seed === 'object' && 'ldif' in seed) seedFromLdif(directory, seed.ldif);
    else if (typeof seed === 'object') seedFromJson(directory, seed.json);
  }
  if (options.bulkUsers) seedBulkUsers(directory, { count: options.bulkUsers });
  return directory;
}

/** Starts a simulated AD domain controller on loopback. */
export async function startDirectorySim(options: DirectorySimOptions = {}): Promise<DirectorySim> {
  const host = options.host ?? '127.0.0.1';
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) throw new Error('directory-sim listens on 127.0.0.0/8 only');
  const directory = options.replicaOf?.directory ?? createDirectory(options);
  const { store, opLog, domain, mode } = directory;
  const faults = new Faults();
  const secureContext = options.tls ? tls.createSecureContext({ key: options.tls.key, cert: options.tls.cert }) : undefined;
  const shared = { directory, faults, secureContext, tls: options.tls, logger: options.logger ?? silentLogger, maxPageSize: options.maxPageSize ?? 1000, maxRequestBytes: 10 * 1024 * 1024 };
  let connectionCounter = 0;
  const nextConnectionId = (): number => ++connectionCounter;
  const plain = new LdapListener(shared, false, nextConnectionId);
  const ldapPort = await plain.listen(host, options.ldapPort ?? 0);
  let secure: LdapListener | undefined;
  let ldapsPort: number | undefined;
  if (secureContext) {
    secure = new LdapListener(shared, true, nextConnectionId);
    ldapsPort = await secure.listen(host, options.ldapsPort ?? 0);
  }
  let caFile: string | undefined;
  if (options.tls?.ca) {
    const dir = await mkdtemp(join(tmpdir(), 'directory-sim-ca-'));
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, options.tls.ca);
  }
  return {
    ldapUrl: `ldap://${host}:${ldapPort}`,
    ldapsUrl: ldapsPort === undefined ? undefined : `ldaps://${host}:${ldapsPort}`,
    host,
    ldapPort,
    ldapsPort,
    caPem: options.tls?.ca?.toString(),
    caFile,
    baseDn: domain.baseDn,
    mode,
    domain,
    directory,
    store,
    faults,
    opLog,
    find: (filter, findOptions = {}) => {
      const base = store.get(findOptions.base ?? domain.baseDn);
      if (!base) return [];
      return matchingKeys(store, base, { scope: findOptions.scope ?? 'sub', filter: parseFilter(filter) }).flatMap((key) => store.getByKey(key) ?? []);
    },
    dropConnections: () => {
      plain.dropAll();
      secure?.dropAll();
    },
    stop: async () => {
      await Promise.all([plain.close(), secure?.close()]);
      if (caFile) await rm(dirname(caFile), { recursive: true, force: true });
    },
  };
}
