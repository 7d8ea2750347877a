import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ServiceError } from '../errors.js';
import { CONFIG_FILE, parseConfig, type ServiceConfig } from './service-config.js';

/** The service's own directory: configuration, signing keys and the embedded database. */
export class DataDir {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  /** `--data DIR`, else WRITEBACK_SERVICE_DATA; a one-line error naming both when neither is set. */
  static from(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DataDir {
    const path = flag ?? env['WRITEBACK_SERVICE_DATA'];
    if (path === undefined || path === '') throw new ServiceError('USAGE', 'no data directory: pass --data DIR or set WRITEBACK_SERVICE_DATA');
    return new DataDir(path);
  }

  get configFile(): string {
    return join(this.path, CONFIG_FILE);
  }

  get sqliteFile(): string {
    return join(this.path, 'service.db');
  }

  get keysDir(): string {
    return join(this.path, 'keys');
  }

  /** A path from the configuration: relative ones are relative to the data directory. */
  resolve(path: string): string {
    return isAbsolute(path) ? path : join(this.path, path);
  }

  get initialized(): boolean {
    return existsSync(this.configFile);
  }

  /** Creates the directory and keys/ with mode 0700 (also tightening existing ones). */
  create(): void {
    try {
      mkdirSync(this.path, { recursive: true, mode: 0o700 });
      chmodSync(this.path, 0o700);
      mkdirSync(this.keysDir, { recursive: true, mode: 0o700 });
      chmodSync(this.keysDir, 0o700);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ServiceError('CONFIG', `cannot create the data directory ${this.path} (${reason}); pick a path the service's user may create, or create it and give it to that user`, { cause: error });
    }
  }

  readConfig(): ServiceConfig {
    if (!this.initialized) throw new ServiceError('CONFIG', `${this.path} is not a service data directory; run \`writeback-service init --data ${this.path}\` first`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.configFile, 'utf8'));
    } catch (error) {
      throw new ServiceError('CONFIG', `${this.configFile}: not valid JSON (${error instanceof Error ? error.message : 'parse error'}); fix or re-create it`, { cause: error });
    }
    return parseConfig(raw, this.configFile);
  }

  writeConfig(config: ServiceConfig): void {
    writeFileSync(this.configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }
}
