import type { TargetKind } from '../../protocol/index.js';
import type { ServiceSim } from '../service-sim.js';
import type { IdentityMethod } from './one-time-codes.js';
import type { Contacts } from './outbox.js';

/** What `ResetWeb.start` takes. Every limit has a default fit for a demo. */
export interface ResetWebOptions {
  service: ServiceSim;
  tenantId: string;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** The ways a user proves who they are, and how many of them (1 or 2) must be confirmed. Default email and SMS, one required. */
  identity?: { methods?: readonly IdentityMethod[]; required?: 1 | 2 };
  /** Which attribute the username is looked up by; default sAMAccountName (uid for OpenLDAP). */
  targetBy?: TargetKind;
  /** Where a user's codes go (simulated); default `<user>@sim.test` and a fictional UK mobile number. */
  contacts?: (username: string) => Contacts;
  /** Whom a user is told to contact when only a person can help. */
  helpDesk?: string;
  /** The help desk sign-in passcode; default random (printed by the demo). */
  adminPasscode?: string;
  /** How long a one-time code works; default 5 minutes. */
  codeTtlMs?: number;
  limits?: Partial<ResetWebLimits>;
  /** How long a page waits for the agent's result; default 20 s. */
  commandTimeoutMs?: number;
  /** Console lines (the simulated messages among them); never given a password. */
  log?: (line: string) => void;
  now?: () => number;
  /** Demo controls on the help desk view (the demo's directory-sim outage); absent: none shown. */
  simulation?: DemoControls;
}

export interface DemoControls {
  directoryDown(): boolean;
  setDirectoryDown(down: boolean): void;
}

export interface ResetWebLimits {
  /** Codes sent per username (all sessions) per window. */
  codeRequestsPerUser: number;
  /** Codes sent per browser session per window. */
  codeRequestsPerSession: number;
  /** Wrong guesses before a code dies. */
  wrongCodesPerCode: number;
  /** Code checks per session per window. */
  codeChecksPerSession: number;
  /** Password or unlock attempts per username per window. */
  attemptsPerUser: number;
  /** Help desk sign-in attempts per window (all sessions). */
  adminSignIns: number;
  windowMs: number;
  /** A session idle this long is forgotten. */
  sessionIdleMs: number;
}

export const DEFAULT_LIMITS: ResetWebLimits = {
  codeRequestsPerUser: 3,
  codeRequestsPerSession: 6,
  wrongCodesPerCode: 5,
  codeChecksPerSession: 10,
  attemptsPerUser: 5,
  adminSignIns: 5,
  windowMs: 15 * 60_000,
  sessionIdleMs: 30 * 60_000,
};

export const DEFAULT_HELP_DESK = 'the IT help desk (helpdesk@sim.test, extension 4357)';
