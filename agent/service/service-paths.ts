import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SetupError } from '../errors.js';

/**
 * The bin script of this installation (dist/agent/cli/bin.js beside this module once compiled).
 * From the TypeScript sources there is no such file; then --bin must name one.
 */
export function installedBinPath(): string {
  const path = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
  if (!existsSync(path)) {
    throw new SetupError('CONFIG', `${path} does not exist (running from the sources?); install the package (npm install -g writeback-agent) or pass --bin PATH`);
  }
  return path;
}
