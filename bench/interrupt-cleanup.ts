/**
 * Child processes (slapd, Samba, directory-sim, agents) to stop when the bench is interrupted:
 * Ctrl-C must not leave servers holding ports and temporary directories.
 */
const closers = new Set<() => Promise<void>>();
let installed = false;

/** Registers `close` until the returned function is called. */
export function closeOnInterrupt(close: () => Promise<void>): () => void {
  install();
  closers.add(close);
  return () => void closers.delete(close);
}

function install(): void {
  if (installed) return;
  installed = true;
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`[bench] ${signal}: stopping ${closers.size} servers and agents\n`);
    const all = [...closers].map((close) => close().catch(() => undefined));
    void Promise.race([Promise.all(all), new Promise((resolve) => setTimeout(resolve, 20_000))]).then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
