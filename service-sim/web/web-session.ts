import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Result } from '../../protocol/index.js';
import { OneTimeCodes, type IdentityMethod } from './one-time-codes.js';
import type { OutboxMessage } from './outbox.js';

export const SESSION_COOKIE = 'wb_session';

export type Intent = 'reset' | 'unlock';

/** What the last action of a session came to, shown once on the outcome page. */
export interface Outcome {
  op: string;
  username: string;
  result: Result | null;
  /** Plain words for the person; set also when there is no result (timeout). */
  words: string;
}

/** One browser's state. Never holds a password: those live only for the length of one request. */
export class WebSession {
  readonly csrf = randomBytes(32).toString('base64url');
  intent: Intent = 'reset';
  username: string | null = null;
  readonly verified = new Set<IdentityMethod>();
  readonly codes: OneTimeCodes;
  readonly outbox: OutboxMessage[] = [];
  /** A one-line notice for the next page (an error or a confirmation). */
  flash: { kind: 'ok' | 'bad' | 'warn'; text: string } | null = null;
  outcome: Outcome | null = null;
  admin = false;
  adminOutcome: Outcome | null = null;
  lastSeen: number;

  constructor(
    readonly id: string,
    codeTtlMs: number,
    maxWrongAttempts: number,
    now: () => number,
  ) {
    this.codes = new OneTimeCodes(codeTtlMs, maxWrongAttempts, now);
    this.lastSeen = now();
  }

  /** Starts a new self-service request: everything about an earlier user is forgotten. */
  begin(username: string, intent: Intent): void {
    this.username = username;
    this.intent = intent;
    this.verified.clear();
    this.codes.clear();
    this.outcome = null;
  }

  csrfMatches(candidate: string | null): boolean {
    if (candidate === null) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** Sessions by the random id in the HttpOnly, SameSite=Strict cookie; idle ones expire. */
export class SessionStore {
  readonly #sessions = new Map<string, WebSession>();

  constructor(
    private readonly idleMs: number,
    private readonly codeTtlMs: number,
    private readonly maxWrongAttempts: number,
    private readonly now: () => number,
  ) {}

  find(id: string | undefined): WebSession | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (this.now() - session.lastSeen > this.idleMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeen = this.now();
    return session;
  }

  create(): WebSession {
    for (const [id, session] of this.#sessions) if (this.now() - session.lastSeen > this.idleMs) this.#sessions.delete(id);
    const session = new WebSession(randomBytes(32).toString('base64url'), this.codeTtlMs, this.maxWrongAttempts, this.now);
    this.#sessions.set(session.id, session);
    return session;
  }
}

export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict`;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
