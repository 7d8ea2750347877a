import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { ServiceDefaults } from '../../agent/service/service-defaults.js';

/** Runs the real CLI (`agent/cli/bin.ts` under tsx) as a child process, as an admin would. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'agent/cli/bin.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `run` gets the node flags the installed service uses, so the agent collects garbage as it does there. */
export function cliArgs(args: string[]): string[] {
  return [...(args[0] === 'run' ? ServiceDefaults.runNodeFlags : []), '--import', 'tsx', BIN, ...args];
}

/** Runs one CLI command to completion. */
export async function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, cliArgs(args), { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A long-running `run` process whose stdout and stderr are kept in files (for the secret scan). */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #output = '';
  /** Set on 'close', not 'exit': only then has all of the child's output been read. */
  #closed = false;

  constructor(args: string[], outputDir: string, name: string, env: NodeJS.ProcessEnv = {}) {
    mkdirSync(outputDir, { recursive: true });
    this.child = spawn(process.execPath, cliArgs(args), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(join(outputDir, `${name}.stdout`), { flags: 'a' });
    const err = createWriteStream(join(outputDir, `${name}.stderr`), { flags: 'a' });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      out.write(chunk);
      this.#output += chunk.toString('utf8');
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      err.write(chunk);
      this.#output += chunk.toString('utf8');
    });
    // Resolves once the output files are flushed too: tests scan them for secrets after a stop.
    this.exited = once(this.child, 'close').then(async ([code]) => {
      this.#closed = true;
      out.end();
      err.end();
      await Promise.all([finished(out), finished(err)]);
      return code as number | null;
    });
  }

  get output(): string {
    return this.#output;
  }

  /** Resolves when the output contains `text` (e.g. "session established"). */
  async waitFor(text: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const started = Date.now();
    while (!(typeof text === 'string' ? this.#output.includes(text) : text.test(this.#output))) {
      if (this.#closed) throw new Error(`agent exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${String(text)}:\n${this.#output.slice(-2000)}`);
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(text)}:\n${this.#output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
