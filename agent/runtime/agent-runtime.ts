import { readFileSync } from 'node:fs';
import { Feature, TrustedKeys } from '../../protocol/index.js';
import type { AgentConfig } from '../config/agent-config.js';
import { resolveSecretRef } from '../secrets/resolve-secret-ref.js';
import { ServiceConnection } from '../connection/service-connection.js';
import type { DirectoryDriver, DriverFactory, PermissionReport } from '../directory/driver.js';
import { readCheckpoint } from '../audit/audit-checkpoint.js';
import { AuditLog } from '../audit/audit-log.js';
import { Journal } from '../journal/journal.js';
import { closeLogger, createLogger, type AgentLogger } from '../logging/create-logger.js';
import { CommandPipeline } from '../pipeline/command-pipeline.js';
import { agentCapabilities } from '../policy/portal-features.js';
import { RateLimiter } from '../policy/rate-limit.js';
import { certificateExpiry, describeExpiry } from '../net/certificate-expiry.js';
import { Scheduler, scheduleAgentJobs } from '../schedule/scheduler.js';
import { openSecretStore } from '../secrets/open-secret-store.js';
import { RegistrationState } from '../state/registration-state.js';
import { statePaths } from '../state/state-paths.js';
import { releaseStartupMemory, scheduleGarbageCollection } from './garbage-collection.js';
import { loadAgentKeys } from './agent-keys.js';
import { AuditCheckpointReporter } from './audit-checkpoint-reporter.js';
import { directoriesReport } from './directories-report.js';
import { peerCertificate } from './peer-certificate.js';
import { ServiceKeyRotation } from './service-key-rotation.js';
import { writeStatus, type StatusSnapshot } from './status-file.js';
import { AGENT_VERSION } from './version.js';

export interface RuntimeOptions {
  createDriver: DriverFactory;
  now?: () => Date;
  /** Extra log sink for tests; the console stream otherwise. */
  consoleStream?: NodeJS.WritableStream;
  /** false only for the benchmark that measures what the journal's and audit log's fsync cost. */
  fsync?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `writeback-agent run`: everything wired together. Start-up errors throw (one line naming the
 * fix); once started, nothing but stop() ends it.
 */
export class AgentRuntime {
  #statusTimer: NodeJS.Timeout | null = null;
  #stopCollecting: () => void = () => undefined;
  #lastPermissionSummary = '';
  #lastPermissionCheck: StatusSnapshot['lastPermissionCheck'] = null;
  readonly #startedAt: Date;

  private constructor(
    readonly config: AgentConfig,
    readonly logger: AgentLogger,
    readonly journal: Journal,
    readonly audit: AuditLog,
    readonly directories: { config: AgentConfig['directories'][number]; driver: DirectoryDriver }[],
    readonly pipeline: CommandPipeline,
    readonly connection: ServiceConnection,
    readonly scheduler: Scheduler,
    readonly keyRotation: ServiceKeyRotation,
    readonly checkpoints: AuditCheckpointReporter,
    private readonly now: () => Date,
  ) {
    this.#startedAt = now();
  }

  static async start(config: AgentConfig, options: RuntimeOptions): Promise<AgentRuntime> {
    const now = options.now ?? (() => new Date());
    const logger = createLogger({
      level: config.logging.level,
      dir: config.logging.dir,
      maxFileBytes: config.logging.maxFileBytes,
      maxFiles: config.logging.maxFiles,
      console: config.logging.console,
      ...(options.consoleStream ? { consoleStream: options.consoleStream as never } : {}),
      now,
    });
    try {
      const store = await openSecretStore(config.secretStore, { stateDir: config.stateDir });
      const registration = await RegistrationState.readRequired(config.stateDir);
      const keys = await loadAgentKeys(store);
      const trustedKeys = new TrustedKeys([...registration.serviceKeys, ...config.service.trustedKeys], now);
      const fsync = options.fsync ?? true;
      const journal = await Journal.open({ path: statePaths(config.stateDir).journal, now, retentionMs: config.journal.retentionDays * DAY_MS, keepAfterExpiryMs: config.clock.maxSkewMs, fsync });
      let connection: ServiceConnection | null = null;
      // Signed checkpoints let `audit verify` see a truncated or rebuilt log (at most a minute
      // behind); each is reported to the service, which holds it off this host.
      const checkpoints = new AuditCheckpointReporter({
        agentId: registration.agentId,
        latest: await readCheckpoint(config.audit.file).catch((error: unknown) => {
          logger.warn('the audit checkpoint beside the log does not read; the next one replaces it', { error: error instanceof Error ? error.message : String(error) });
          return null;
        }),
        shared: () => connection?.features.has(Feature.auditCheckpoint) === true,
        send: (message) => connection?.send(message) ?? false,
      });
      const audit = await AuditLog.open(config.audit.file, {
        fsync,
        checkpoint: { signingKey: keys.signing.privateKey, everyMs: 60_000, now, onCheckpoint: (checkpoint) => checkpoints.written(checkpoint) },
      });
      const directories = [];
      for (const [index, directory] of config.directories.entries()) {
        const bindPassword = await resolveSecretRef(directory.bindPassword, store, { path: `directories[${index}].bindPassword` });
        logger.redactor.track(bindPassword);
        directories.push({ config: directory, driver: options.createDriver(directory, { bindPassword, logger: logger.child({ directory: directory.id }), now }) });
      }
      try {
        for (const { driver } of directories) await driver.startupCheck?.();
      } catch (error) {
        for (const { driver } of directories) await driver.close().catch(() => undefined);
        throw error;
      }
      const pipeline = new CommandPipeline({
        agentId: registration.agentId,
        tenantId: registration.tenantId,
        trustedKeys,
        signingKey: keys.signing.privateKey,
        encryption: { privateKey: keys.encryption.privateKey, publicKey: keys.encryption.publicKey },
        directories,
        defaultDirectory: config.defaultDirectory,
        journal,
        audit: {
          record: (entry) =>
            audit.append({ commandId: entry.commandId, op: entry.op, directory: entry.directory, dn: entry.dn, code: entry.code, status: entry.status, time: entry.at }).then(() => undefined),
        },
        redactor: logger.redactor,
        rateLimiter: new RateLimiter({ limit: config.limits.perTargetPerMinute, now }),
        logger,
        send: (message) => connection?.send(message) ?? false,
        maxInFlight: config.limits.maxInFlight,
        clockSkewMs: config.clock.maxSkewMs,
        now,
      });
      connection = new ServiceConnection({
        endpoint: { url: registration.serviceUrl, allowInsecure: config.service.allowInsecure, caFile: config.service.caFile, proxy: config.service.proxy },
        agentId: registration.agentId,
        tenantId: registration.tenantId,
        agentVersion: AGENT_VERSION,
        capabilities: agentCapabilities(config.directories),
        maxInFlight: config.limits.maxInFlight,
        signingKey: keys.signing.privateKey,
        clockSkewMs: config.clock.maxSkewMs,
        features: [Feature.keyRotation, Feature.auditCheckpoint, Feature.directories],
        logger,
        now,
      });
      const session = connection;
      session.on('welcome', () => {
        if (session.features.has(Feature.directories)) session.send(directoriesReport(config, registration.agentId, keys.signing.privateKey, now()));
      });
      const keyRotation = new ServiceKeyRotation({
        agentId: registration.agentId,
        stateDir: config.stateDir,
        trusted: trustedKeys,
        configuredKeys: config.service.trustedKeys,
        lastIssuedAt: registration.serviceKeysIssuedAt ?? null,
        signingKey: keys.signing.privateKey,
        audit,
        logger,
        send: (message) => connection?.send(message) ?? false,
        clockSkewMs: config.clock.maxSkewMs,
        now,
      });
      const runtime = new AgentRuntime(config, logger, journal, audit, directories, pipeline, connection, new Scheduler(logger, { now }), keyRotation, checkpoints, now);
      runtime.#wire();
      return runtime;
    } catch (error) {
      await closeLogger(logger);
      throw error;
    }
  }

  #wire(): void {
    const { connection, pipeline, logger } = this;
    connection.on('welcome', () => {
      pipeline.resendUnacknowledged();
      this.checkpoints.sessionStarted();
    });
    connection.on('frame', (raw) => pipeline.handleFrame(raw));
    connection.on('serviceKeys', (message) => void this.keyRotation.handle(message));
    connection.on('state', () => this.#scheduleStatus());
    connection.on('failure', () => this.#scheduleStatus());
    scheduleAgentJobs(this.scheduler, this.config.schedule, {
      checkPermissions: () => this.checkPermissions(),
      compactJournal: async () => {
        const { dropped, kept } = await this.journal.compact();
        logger.info('journal compacted', { dropped, kept });
      },
      checkCertificates: () => this.checkCertificates(),
    });
    const inFlight = this.journal.inFlightAtStartup();
    if (inFlight.length > 0) {
      logger.warn('commands were in flight when the agent last stopped; they finish when the service redelivers them, and none is applied twice', { count: inFlight.length });
    }
    connection.start();
    this.#statusTimer = setInterval(() => this.#scheduleStatus(), 30_000);
    this.#stopCollecting = scheduleGarbageCollection({ everyMs: 5_000, afterRssGrowthBytes: 16 * 1024 * 1024, commands: () => this.pipeline.stats.completed });
    this.#scheduleStatus();
    // The first self-check runs at start, so `status` has something to show.
    // Then give back what start-up left behind (see releaseStartupMemory).
    this.checkPermissions()
      .catch(() => undefined)
      .finally(releaseStartupMemory);
  }

  /** The scheduled self-check: logs when the outcome changes. */
  async checkPermissions(): Promise<PermissionReport[]> {
    const reports: PermissionReport[] = [];
    for (const { config, driver } of this.directories) {
      try {
        reports.push(await driver.checkPermissions({}));
      } catch (error) {
        reports.push({ directory: config.id, checks: [{ name: 'bind', status: 'MISSING', required: true, detail: error instanceof Error ? error.message : 'check failed' }] });
      }
    }
    const directories = reports.map((report) => ({
      directory: report.directory,
      ok: report.checks.every((check) => check.status !== 'MISSING' || !check.required),
      missing: report.checks.filter((check) => check.status === 'MISSING').map((check) => check.name),
      warnings: report.checks.filter((check) => check.status === 'WARN').map((check) => check.name),
    }));
    this.#lastPermissionCheck = { at: this.now().toISOString(), directories };
    const summary = JSON.stringify(directories);
    if (summary !== this.#lastPermissionSummary) {
      const level = directories.every((d) => d.ok) ? 'info' : 'warn';
      this.logger[level]('permission self-check outcome changed', { directories });
      this.#lastPermissionSummary = summary;
    }
    this.#scheduleStatus();
    return reports;
  }

  /** Warns before the service's or a directory's TLS certificate expires. */
  async checkCertificates(): Promise<void> {
    const targets: { url: string; caFile: string | null }[] = [
      { url: this.connection.options.endpoint.url, caFile: this.config.service.caFile },
      ...this.directories.flatMap(({ config }) => config.urls.map((url) => ({ url, caFile: config.tls.caFile }))),
    ];
    for (const { url, caFile } of targets) {
      const cert = await peerCertificate(url, caFile ? readFileSync(caFile) : undefined);
      if (cert === null || !cert.valid_to) continue;
      const expiry = certificateExpiry(cert, { now: this.now(), warningDays: this.config.schedule.certificateWarningDays });
      if (expiry.status !== 'ok') this.logger.warn(describeExpiry(expiry, url));
    }
  }

  #scheduleStatus(): void {
    const snapshot: StatusSnapshot = {
      pid: process.pid,
      version: AGENT_VERSION,
      startedAt: this.#startedAt.toISOString(),
      updatedAt: this.now().toISOString(),
      connection: {
        state: this.connection.state,
        sessionId: this.connection.sessionId,
        lastError: this.connection.lastError,
        cause: this.connection.lastFailure?.cause ?? null,
        fix: this.connection.lastFailure?.fix ?? null,
        since: this.now().toISOString(),
      },
      commands: { received: this.pipeline.stats.received, completed: this.pipeline.stats.completed, inFlight: this.pipeline.inFlight },
      memory: memoryFigures(),
      lastPermissionCheck: this.#lastPermissionCheck,
    };
    writeStatus(this.config.stateDir, snapshot).catch((error: unknown) => this.logger.warn('could not write the status file', { error: String(error) }));
  }

  /** SIGTERM/SIGINT: stop taking commands, finish or journal those in flight, close with 1001. */
  async stop(timeoutMs = 8_000): Promise<void> {
    await this.scheduler.stop();
    if (this.#statusTimer) clearInterval(this.#statusTimer);
    this.#stopCollecting();
    const drained = await this.pipeline.drain(timeoutMs);
    if (!drained) this.logger.warn('stopping with commands still in flight; they are journaled and finish after redelivery', { inFlight: this.pipeline.inFlight });
    // The last checkpoint goes to the service while the session is still up.
    await this.audit.checkpointNow().catch(() => undefined);
    await this.connection.stop();
    for (const { driver } of this.directories) await driver.close().catch(() => undefined);
    await this.journal.close();
    await this.audit.close();
    this.logger.info('agent stopped');
    await closeLogger(this.logger);
  }
}

function memoryFigures(): { rssMb: number; heapUsedMb: number; externalMb: number } {
  const usage = process.memoryUsage();
  const mb = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;
  return { rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), externalMb: mb(usage.external) };
}
