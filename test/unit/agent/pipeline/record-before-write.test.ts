import test from 'ava';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { parseConfigText } from '../../../../agent/config/load-config.js';
import type { DirectoryDriver, DirectoryUser } from '../../../../agent/directory/driver.js';
import { CommandPipeline } from '../../../../agent/pipeline/command-pipeline.js';
import type { JournalEntryView, JournalPort } from '../../../../agent/pipeline/ports.js';
import { rawPublicKey, sealSecret, signCommand, TrustedKeys, type AgentMessage, type Command } from '../../../../protocol/index.js';
import { captureLogger } from '../../../helpers/capture-logger.js';

/**
 * The pipeline starts a command's checks while its journal record is still being made durable
 * (issue 9: one fsync fewer on the path of every command). What must still hold, with in-memory
 * ports standing in for the disk and the directory: nothing is written to the directory and no
 * result is sent before the record is durable, and a command that cannot be recorded gets no
 * ack, no result and no write (the service redelivers it).
 */

const AGENT = 'agent-1';
const TENANT = 'tenant-1';

function setup(beginOutcome: 'slow' | 'fails') {
  const events: string[] = [];
  const service = generateKeyPairSync('ed25519');
  const encryption = generateKeyPairSync('x25519');
  const trusted = new TrustedKeys([{ kid: 'k1', publicKey: rawPublicKey(service.publicKey) }]);
  const entries = new Map<string, JournalEntryView>();
  let broken = false;
  const journal: JournalPort = {
    get: (id) => entries.get(id),
    begin: (id) => {
      entries.set(id, { state: 'received', result: null });
      events.push('begin called');
      return new Promise((resolve, reject) =>
        setTimeout(() => {
          if (beginOutcome === 'fails') {
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
  const user: DirectoryUser = { dn: 'uid=bob,ou=people,dc=example,dc=org', uuid: null, locked: false, disabled: false, passwordLastSet: null, mustChangePassword: false, protectedReason: null };
  const driver = {
    id: 'corp',
    kind: 'openldap',
    resolveUser: () => {
      events.push('lookup');
      return Promise.resolve(user);
    },
    passwordPolicy: () => Promise.resolve({ source: '', minLength: 0, complexity: false, historyLength: 0, minAgeMs: 0, maxAgeMs: 0, lockoutThreshold: 0, lockoutDurationMs: 0 }),
    resetPassword: () => {
      events.push('directory write');
      return Promise.resolve({ dn: user.dn, appliedAt: new Date(), details: {} });
    },
  } as unknown as DirectoryDriver;
  const example = JSON.parse(readFileSync(new URL('../../../../config.example.json', import.meta.url), 'utf8')) as { directories: Record<string, unknown>[] };
  const config = parseConfigText(JSON.stringify({ ...example, directories: [{ ...example.directories[0], kind: 'openldap', baseDn: 'dc=example,dc=org', bindDn: 'cn=agent,dc=example,dc=org', scope: { include: ['ou=people,dc=example,dc=org'], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } }] }), 'test');
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
    redactor: { track: () => undefined, untrack: () => undefined },
    rateLimiter: { take: () => ({ allowed: true }) },
    logger: captureLogger(),
    send: (message) => {
      sent.push(message);
      events.push(`sent ${message.type}`);
      return true;
    },
    maxInFlight: 4,
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
  command.secret = sealSecret({ newPassword: 'Fresh#Start-2026' }, encryption.publicKey, command.id);
  const frame = JSON.parse(JSON.stringify(signCommand(command, 'k1', service.privateKey))) as Record<string, never>;
  return { pipeline, frame, events, sent };
}

test('the lookup may run while the record is being made durable; the write and the result wait for it', async (t) => {
  const { pipeline, frame, events, sent } = setup('slow');
  pipeline.handleFrame(frame);
  t.true(await pipeline.drain(5_000));
  t.log(events);
  t.true(events.indexOf('lookup') < events.indexOf('begin durable'), 'checks overlap the fsync');
  t.true(events.indexOf('begin durable') < events.indexOf('sent ack'));
  t.true(events.indexOf('begin durable') < events.indexOf('directory write'));
  t.true(events.indexOf('sent ack') < events.indexOf('sent result'));
  t.deepEqual(sent.map((m) => m.type), ['ack', 'result']);
});

test('a command that cannot be recorded gets no ack, no result and no directory write', async (t) => {
  const { pipeline, frame, events, sent } = setup('fails');
  pipeline.handleFrame(frame);
  t.true(await pipeline.drain(5_000));
  t.log(events);
  t.true(events.includes('begin failed'));
  t.false(events.includes('directory write'));
  t.deepEqual(sent, []);
  t.is(pipeline.inFlight, 0);
});
