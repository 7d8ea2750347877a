import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CREDENTIALS_DIRECTORY_PREFIX, type AgentConfig, type SecretRef } from './agent-config.js';
import { ConfigDefaults } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { parseConfigValue } from './config-schema.js';

/** The environment variable that names the config file when --config is not given. */
export const CONFIG_ENV = 'WRITEBACK_AGENT_CONFIG';

/** The config file path from the --config flag, else WRITEBACK_AGENT_CONFIG; absolute. */
export function configPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env[CONFIG_ENV];
  if (chosen === undefined || chosen.trim() === '') {
    throw new ConfigError('--config', 'no config file given', `pass --config FILE or set ${CONFIG_ENV}`);
  }
  return resolve(chosen);
}

/** Reads, parses and validates the config file; every error is one line naming what to fix. */
export async function loadConfig(path: string): Promise<AgentConfig> {
  const source = resolve(path);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(source, `cannot read the file (${code})`, `check the path given by --config or ${CONFIG_ENV} and that the agent's account can read it`, { cause: error });
  }
  return parseConfigText(text, source);
}

/** Parses config JSON text as if it were the file `source` (relative paths resolve against its directory). */
export function parseConfigText(text: string, source: string): AgentConfig {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    // V8's message may quote a snippet of the file, which could hold a secret: report the position only.
    const position = /line (\d+) column (\d+)/.exec((error as Error).message);
    const where = position ? ` at line ${position[1]} column ${position[2]}` : '';
    throw new ConfigError(source, `not valid JSON${where}`, 'fix the JSON syntax (no comments or trailing commas)');
  }
  return resolvePaths(parseConfigValue(value), source);
}

function resolvePaths(raw: ReturnType<typeof parseConfigValue>, source: string): AgentConfig {
  const base = dirname(source);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const absOrNull = (p: string | null): string | null => (p === null ? null : abs(p));
  // `${CREDENTIALS_DIRECTORY}/NAME` is expanded when read (resolve-secret-ref.ts), not made relative.
  const ref = (r: SecretRef): SecretRef => ('file' in r && !r.file.startsWith(CREDENTIALS_DIRECTORY_PREFIX) ? { file: abs(r.file) } : r);
  const stateDir = abs(raw.stateDir);
  return {
    ...raw,
    source,
    service: { ...raw.service, caFile: absOrNull(raw.service.caFile) },
    stateDir,
    directories: raw.directories.map((d) => ({ ...d, bindPassword: ref(d.bindPassword), tls: { ...d.tls, caFile: absOrNull(d.tls.caFile) } })),
    logging: { ...raw.logging, dir: absOrNull(raw.logging.dir) },
    audit: { file: raw.audit.file === null ? join(stateDir, ConfigDefaults.auditFileName) : abs(raw.audit.file) },
  };
}
