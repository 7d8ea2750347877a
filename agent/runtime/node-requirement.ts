/**
 * The oldest Node.js major the agent runs on (package.json's `engines` says the same; a test holds
 * them together). Older ones lack APIs the agent uses, and Node 20 and before are out of support.
 */
export const MIN_NODE_MAJOR = 24;

/** The one line to print when `version` (process.version) is too old, else null. */
export function nodeTooOld(version: string, execPath: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0);
  if (major >= MIN_NODE_MAJOR) return null;
  return `writeback-agent needs Node.js ${MIN_NODE_MAJOR} or later, but ${execPath} is ${version}; install Node.js ${MIN_NODE_MAJOR} (or the writeback-agent package, which brings its own)`;
}
