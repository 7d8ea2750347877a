import { chmodSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type Conf from 'conf';
import { AgentError } from '../errors.js';
import { assertPrivateFile, ensurePrivateDir } from './private-dir.js';
import { statePaths } from './state-paths.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** A service signing key the agent trusts (SPEC.md section 3). */
export interface TrustedServiceKey {
  kid: string;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
  /** From a key announcement (protocol v2): not used to verify before / after these RFC 3339 times. */
  notBefore?: string;
  notAfter?: string;
}

/** What `register` records. No private key: those live in the SecretStore (SecretName). */
export interface Registration {
  agentId: string;
  tenantId: string;
  serviceKeys: TrustedServiceKey[];
  /** RFC 3339. */
  registeredAt: string;
  serviceUrl: string;
  /**
   * `issuedAt` of the last key announcement accepted (protocol v2, key rotation): an older one is a
   * replay. Absent until the first; `serviceKeys` then holds the announced set.
   */
  serviceKeysIssuedAt?: string;
}

type Stored = { registration?: Registration };

export const REGISTRATION_FILE_NAME = 'registration';

/**
 * The agent's registration, kept with `conf` in `<stateDir>/registration.json` (mode 0600, in a
 * 0700 directory). Synchronous reads: the pipeline asks for the trusted keys on every command.
 */
export class RegistrationState {
  readonly path: string;
  readonly #conf: Conf<Stored>;

  private constructor(conf: Conf<Stored>) {
    this.#conf = conf;
    this.path = conf.path;
  }

  static async open(stateDir: string): Promise<RegistrationState> {
    await ensurePrivateDir(stateDir);
    // Loaded here, not at module load: `run` reads the registration with read() and never needs conf.
    const { default: Conf } = await import('conf');
    const conf = new Conf<Stored>({ cwd: stateDir, configName: REGISTRATION_FILE_NAME, configFileMode: 0o600, clearInvalidConfig: false });
    const state = new RegistrationState(conf);
    try {
      assertPrivateFile(state.path, statSync(state.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return state;
  }

  /**
   * The registration read straight from the file conf keeps (plain JSON), without loading conf:
   * `run` reads it once at start, and conf with its schema validator would stay resident for nothing.
   * Null when the agent has not been registered.
   */
  static async read(stateDir: string): Promise<Registration | null> {
    await ensurePrivateDir(stateDir);
    const path = statePaths(stateDir).registration;
    let text: string;
    try {
      assertPrivateFile(path, statSync(path));
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let stored: Stored;
    try {
      stored = JSON.parse(text) as Stored;
    } catch {
      throw new AgentError('INTERNAL', `${path} is not valid JSON; run register again`);
    }
    if (stored.registration === undefined) return null;
    validate(stored.registration, `${path} holds an invalid registration; run register again`);
    return stored.registration;
  }

  /**
   * Replaces the trusted service keys with an accepted announcement's, durably (write, fsync,
   * rename), without loading conf: `run` calls it. The rest of the registration is kept as it is.
   */
  static async replaceServiceKeys(stateDir: string, serviceKeys: readonly TrustedServiceKey[], issuedAt: string): Promise<Registration> {
    const current = await RegistrationState.readRequired(stateDir);
    const next: Registration = { ...current, serviceKeys: serviceKeys.map((key) => ({ ...key })), serviceKeysIssuedAt: issuedAt };
    await RegistrationState.write(stateDir, next);
    return next;
  }

  /** Writes a whole registration durably without conf (see replaceServiceKeys; also its undo). */
  static async write(stateDir: string, registration: Registration): Promise<void> {
    validate(registration);
    const stored: Stored = { registration };
    // conf's own layout (tab-indented JSON), so `register` and `status` read it as before.
    await writeFileAtomic(statePaths(stateDir).registration, `${JSON.stringify(stored, null, '\t')}\n`, { mode: 0o600 });
  }

  /** read(), or an error telling the admin to run `register`. */
  static async readRequired(stateDir: string): Promise<Registration> {
    const registration = await RegistrationState.read(stateDir);
    if (registration === null) throw notRegistered(statePaths(stateDir).registration);
    return registration;
  }

  /** The registration, or null when the agent has not been registered. */
  get(): Registration | null {
    const value = this.#conf.get('registration');
    return value === undefined ? null : structuredClone(value);
  }

  /** Registered, or an error telling the admin to run `register`. */
  require(): Registration {
    const registration = this.get();
    if (registration === null) throw notRegistered(this.path);
    return registration;
  }

  save(registration: Registration): void {
    validate(registration);
    this.#conf.set('registration', structuredClone(registration));
    this.#enforceMode();
  }

  /** Adds a service key; the same kid with another key is refused (a key never changes under its kid). */
  addTrustedKey(key: TrustedServiceKey): void {
    const registration = this.require();
    const existing = registration.serviceKeys.find((k) => k.kid === key.kid);
    if (existing !== undefined) {
      if (existing.publicKey !== key.publicKey) throw new AgentError('INTERNAL', `service key ${key.kid} is already trusted with a different public key; a kid must not be reused`);
      return;
    }
    this.save({ ...registration, serviceKeys: [...registration.serviceKeys, { kid: key.kid, publicKey: key.publicKey }] });
  }

  /** The public key trusted under `kid`, or null. */
  trustedKey(kid: string): string | null {
    return this.get()?.serviceKeys.find((k) => k.kid === kid)?.publicKey ?? null;
  }

  clear(): void {
    this.#conf.delete('registration');
    this.#enforceMode();
  }

  /** conf applies configFileMode reduced by the umask; chmod makes it exactly 0600 whatever the umask. */
  #enforceMode(): void {
    if (process.platform !== 'win32') chmodSync(this.path, 0o600);
  }
}

function notRegistered(path: string): AgentError {
  return new AgentError('INTERNAL', `the agent is not registered (no ${path}); run: writeback-agent register --config FILE --token TOKEN`);
}

function validate(r: Registration, message = 'refusing to record an invalid registration (agentId, tenantId, serviceUrl, registeredAt and 32-byte service keys are required)'): void {
  const text = (v: unknown): boolean => typeof v === 'string' && v !== '';
  const time = (v: unknown): boolean => text(v) && !Number.isNaN(Date.parse(v as string));
  const optionalTime = (v: unknown): boolean => v === undefined || time(v);
  const ok =
    text(r.agentId) &&
    text(r.tenantId) &&
    text(r.serviceUrl) &&
    text(r.registeredAt) &&
    !Number.isNaN(Date.parse(r.registeredAt)) &&
    Array.isArray(r.serviceKeys) &&
    r.serviceKeys.every((k) => text(k.kid) && typeof k.publicKey === 'string' && Buffer.from(k.publicKey, 'base64url').length === 32 && optionalTime(k.notBefore) && optionalTime(k.notAfter)) &&
    optionalTime(r.serviceKeysIssuedAt);
  if (!ok) throw new AgentError('INTERNAL', message);
}
