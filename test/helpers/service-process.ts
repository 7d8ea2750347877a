import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

/** Runs the real `writeback-service` CLI (service/cli/bin.ts under tsx) as a child process, as an operator would. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'service/cli/bin.ts');

export interface ServiceCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One command to completion, with optional stdin (the only way a password goes in). */
export async function runServiceCli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number } = {}): Promise<ServiceCliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A running `writeback-service serve`; its output is kept in files under `outputDir` (for the secret scan). */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #output = '';
  /** Set on 'close', not 'exit': only then has all of the child's output been read. */
  #closed = false;

  private constructor(child: ChildProcess, outputDir: string, name: string) {
    this.child = child;
    mkdirSync(outputDir, { recursive: true });
    const out = createWriteStream(join(outputDir, `${name}.stdout`), { flags: 'a' });
    const err = createWriteStream(join(outputDir, `${name}.stderr`), { flags: 'a' });
    child.stdout!.on('data', (chunk: Buffer) => {
      out.write(chunk);
      this.#output += chunk.toString('utf8');
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err.write(chunk);
      this.#output += chunk.toString('utf8');
    });
    // Resolves once the output files are flushed too: tests scan them for secrets after a stop.
    this.exited = once(child, 'close').then(async ([code]) => {
      this.#closed = true;
      out.end();
      err.end();
      await Promise.all([finished(out), finished(err)]);
      return code as number | null;
    });
  }

  /** Starts `serve` and waits for its `listening on URL` line. */
  static async start(args: string[], outputDir: string, name: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ process: ServiceProcess; url: string }> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'serve', ...args], { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const service = new ServiceProcess(child, outputDir, name);
    const started = Date.now();
    for (;;) {
      const match = /^listening on (\S+)$/m.exec(service.#output);
      if (match !== null) return { process: service, url: match[1]! };
      if (service.#closed) throw new Error(`serve exited (${child.exitCode ?? child.signalCode}):\n${service.#output.slice(-2000)}`);
      if (Date.now() - started > timeoutMs) {
        child.kill('SIGKILL');
        throw new Error(`serve did not print "listening on" in ${timeoutMs} ms:\n${service.#output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  get output(): string {
    return this.#output;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** One admin API request over HTTPS with the test CA; returns the status and the parsed body. */
/** One pool of kept-alive TLS connections for every API request, as a help desk client would keep. */
const keepAlive = new Agent({ keepAlive: true });

/** What JSON.parse gives: tests read response bodies member by member. */
export type ParsedJson = ReturnType<typeof JSON.parse>;

export function apiRequest(url: string, options: { method?: string; token?: string; body?: unknown; ca: Buffer }): Promise<{ status: number; body: ParsedJson }> {
  return new Promise((resolve, reject) => {
    const data = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        agent: keepAlive,
        headers: { ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }), ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
          } catch (error) {
            reject(error instanceof Error ? error : new Error('bad JSON'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}
