import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels up from src and from dist). */
export const AGENT_VERSION: string = readVersion();

function readVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'writeback-agent' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}
