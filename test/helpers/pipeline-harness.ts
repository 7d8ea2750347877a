import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { parseConfigText } from '../../agent/config/load-config.js';
import type { DirectoryDriver, DirectoryUser } from '../../agent/directory/driver.js';
import { normalizeDn } from '../../agent/directory/ldap/dn.js';
import { CommandPipeline } from '../../agent/pipeline/command-pipeline.js';
import type { JournalEntryView, JournalPort } from '../../agent/pipeline/ports.js';
import { rawPublicKey, sealSecret, signCommand, TrustedKeys, type AgentMessage, type Command, type ResultMessage } from '../../protocol/index.js';
import { captureLogger } from './capture-logger.js';

/**
 * A CommandPipeline with in-memory ports standing in for the disk and the directory, and one
 * signed resetPassword frame for uid=bob. Every step of interest lands in `events`, in order.
 */
export interface PipelineHarnessOptions {
  /** How the journal's `begin` ends, 50 ms after the call. */
  begin?: 'durable' | 'fails';
  /** The directory's lookup of bob (default: found at once). */
  resolveUser?: (events: string[], user: DirectoryUser) => Promise<DirectoryUser>;
  /** Seal the secret for another agent's key, so it cannot be opened here. */
  secretForAnotherAgent?: boolean;
  /** limits.maxInFlight (default 4). */
  maxInFlight?: number;
  /** Command ids the journal holds as `received`: in flight when the agent last stopped. */
  inFlight?: string[];
}

export interface PipelineHarness {
  pipeline: CommandPipeline;
  frame: Record<string, never>;
  events: string[];
  sent: AgentMessage[];
  /** The result frames sent, in order. */
  results(): ResultMessage[];
  /** Settles when the pipeline has opened the command's secret (it hands it to the redactor). */
  secretOpened: Promise<void>;
  /** Another signed reset frame: its own id and target uid; `expired`: issued 20 minutes ago. */
  frameFor(id: string, uid: string, options?: { expired?: boolean }): Record<string, never>;
}

const AGENT = 'agent-1';
const TENANT = 'tenant-1';
export const HARNESS_USER_DN = 'uid=bob,ou=people,dc=example,dc=org';

export function pipelineHarness(options: PipelineHarnessOptions = {}): PipelineHarness {
  const events: string[] = [];
  let opened = (): void => undefined;
  const secretOpened = new Promise<void>((resolve) => (opened = resolve));
  const service = generateKeyPairSync('ed25519');
  const encryption = generateKeyPairSync('x25519');
  const trusted = new TrustedKeys([{ kid: 'k1', publicKey: rawPublicKey(service.publicKey) }]);
  const entries = new Map<string, JournalEntryView>();
  for (const id of options.inFlight ?? []) entries.set(id, { state: 'received', result: null });
  let broken = false;
  const journal: JournalPort = {
    get: (id) => entries.get(id),
    begin: (id) => {
      entries.set(id, { state: 'received', result: null });
      events.push('begin called');
      return new Promise((resolve, reject) =>
        setTimeout(() => {
          if (options.begin === 'fails') {
            broken = true;
            events.push('begin failed');
            reject(new Error('ENOSPC'));
          } else {
            events.push('begin durable');
            resolve();
          }
        }, 50),
      );
    },
    // Like the real journal: later records wait for earlier ones, and a broken journal refuses.
    markApplying: () => {
      if (broken) return Promise.reject(new Error('journal broken'));
      events.push('applying durable');
      return Promise.resolve();
    },
    complete: (id, result) => {
      if (broken) return Promise.reject(new Error('journal broken'));
      entries.set(id, { state: 'done', result });
      return Promise.resolve();
    },
    acknowledge: () => Promise.resolve(true),
    unacknowledged: () => [],
  };
  const user: DirectoryUser = { dn: HARNESS_USER_DN, uuid: null, locked: false, disabled: false, passwordLastSet: null, mustChangePassword: false, protectedReason: null, snapshot: null };
  const resolveUser =
    options.resolveUser ??
    ((log: string[], found: DirectoryUser) => {
      log.push('lookup');
      return Promise.resolve(found);
    });
  const driver = {
    id: 'corp',
    kind: 'openldap',
    resolveUser: () => resolveUser(events, user),
    // The scope check compares with the directory's own DNs: the harness writes them in normal form, as its user's.
    canonicalDn: (dn: string) => Promise.resolve(normalizeDn(dn)),
    passwordPolicy: () => Promise.resolve({ source: '', minLength: 0, complexity: false, historyLength: 0, minAgeMs: 0, maxAgeMs: 0, lockoutThreshold: 0, lockoutDurationMs: 0 }),
    passwordAlreadyApplied: () => {
      events.push('probe bind');
      return Promise.resolve(false);
    },
    resetPassword: () => {
      events.push('directory write');
      return Promise.resolve({ dn: user.dn, appliedAt: new Date(), details: {} });
    },
  } as unknown as DirectoryDriver;
  const example = JSON.parse(readFileSync(new URL('../../config.example.json', import.meta.url), 'utf8')) as { directories: Record<string, unknown>[] };
  const config = parseConfigText(
    JSON.stringify({
      ...example,
      directories: [
        {
          ...example.directories[0],
          kind: 'openldap',
          baseDn: 'dc=example,dc=org',
          bindDn: 'cn=agent,dc=example,dc=org',
          scope: { include: ['ou=people,dc=example,dc=org'], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] },
        },
      ],
    }),
    'test',
  );
  const sent: AgentMessage[] = [];
  const pipeline = new CommandPipeline({
    agentId: AGENT,
    tenantId: TENANT,
    trustedKeys: trusted,
    signingKey: generateKeyPairSync('ed25519').privateKey,
    encryption,
    directories: [{ config: config.directories[0]!, driver }],
    journal,
    audit: { record: () => Promise.resolve() },
    // The pipeline hands the redactor each secret the moment it has opened it.
    redactor: {
      track: () => {
        events.push('secret opened');
        opened();
      },
      untrack: () => undefined,
    },
    rateLimiter: { take: () => ({ allowed: true }) },
    logger: captureLogger(),
    send: (message) => {
      sent.push(message);
      events.push(`sent ${message.type}`);
      return true;
    },
    maxInFlight: options.maxInFlight ?? 4,
    clockSkewMs: 60_000,
  });
  const now = Date.now();
  const command: Command = {
    id: '6f1c7a52-3f7e-4d0a-9d55-0c1f3b2a9e11',
    tenantId: TENANT,
    agentId: AGENT,
    op: 'resetPassword',
    target: { by: 'uid', value: 'bob' },
    params: { forceChangeAtNextLogon: false, unlock: false, enforceMinimumAge: false, enforceHistory: false },
    issuedAt: new Date(now - 1000).toISOString(),
    expiresAt: new Date(now + 300_000).toISOString(),
  };
  const sealedFor = options.secretForAnotherAgent ? generateKeyPairSync('x25519').publicKey : encryption.publicKey;
  command.secret = sealSecret({ newPassword: 'Fresh#Start-2026' }, sealedFor, command.id);
  const frameOf = (c: Command): Record<string, never> => JSON.parse(JSON.stringify(signCommand(c, 'k1', service.privateKey))) as Record<string, never>;
  const frameFor = (id: string, uid: string, how: { expired?: boolean } = {}): Record<string, never> => {
    const other: Command = { ...command, id, target: { by: 'uid', value: uid } };
    if (how.expired === true) Object.assign(other, { issuedAt: new Date(now - 20 * 60_000).toISOString(), expiresAt: new Date(now - 10 * 60_000).toISOString() });
    other.secret = sealSecret({ newPassword: 'Fresh#Start-2026' }, sealedFor, id);
    return frameOf(other);
  };
  return { pipeline, frame: frameOf(command), events, sent, results: () => sent.filter((m): m is ResultMessage => m.type === 'result'), secretOpened, frameFor };
}
