import type { AgentConfig } from '../config/agent-config.js';
import { diagnoseDirectory } from './directory-path.js';
import type { Lookup } from './net-probes.js';
import type { StepResult } from './network-causes.js';
import { diagnoseService } from './service-path.js';

export interface DiagnosisOptions {
  /** The bind password of directories[index], or why it could not be read. */
  bindPassword: (index: number) => Promise<{ ok: true; value: string } | { ok: false; reason: string }>;
  /** Bounds each step of the service path; a directory's own `timeoutMs` bounds its steps. */
  serviceTimeoutMs?: number;
  now?: () => Date;
  lookup?: Lookup;
  env?: NodeJS.ProcessEnv;
}

/** Walks the service path and every directory's paths at once; the lines come back in config order. */
export async function runDiagnosis(config: AgentConfig, options: DiagnosisOptions): Promise<StepResult[]> {
  const common = { ...(options.now === undefined ? {} : { now: options.now }), ...(options.lookup === undefined ? {} : { lookup: options.lookup }) };
  const service = diagnoseService({
    endpoint: { url: config.service.url, allowInsecure: config.service.allowInsecure, caFile: config.service.caFile, proxy: config.service.proxy },
    maxSkewMs: config.clock.maxSkewMs,
    timeoutMs: options.serviceTimeoutMs ?? 10_000,
    ...common,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const directories = config.directories.map(async (directory, index) => diagnoseDirectory({ directory, password: await options.bindPassword(index), timeoutMs: directory.timeoutMs, ...common }));
  return (await Promise.all([service, ...directories])).flat();
}
