import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliArgs, runCli } from '../helpers/agent-process.js';

// `writeback-agent demo --serve`: the story first, then the system stays up with the reset page
// until SIGTERM, and the exit status is still the story's.

test('demo --serve prints the reset page and help desk addresses, serves them, and stops on SIGTERM with the story\'s status', async (t) => {
  const child = spawn(process.execPath, cliArgs(['demo', '--serve']), { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 90 s:\n${stdout}\n${stderr}`)), 90_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = /The self-service reset page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      if (url !== undefined && stdout.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', () => reject(new Error(`the demo exited early:\n${stdout}\n${stderr}`)));
  });
  try {
    t.regex(stdout, /The story: 9 of 9 steps went as expected\./);
    t.regex(stdout, new RegExp(`The help desk view: ${address}admin \\(passcode [A-Za-z0-9_-]{12}\\)`));
    const page = await fetch(address);
    t.is(page.status, 200);
    t.regex(await page.text(), /Forgot your password, or locked out\?/);
    t.is((await fetch(`${address}admin`)).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await exited) as [number | null];
  t.is(code, 0, `${stdout}\n${stderr}`);
  t.regex(stdout, /Stopping\.\nDemo finished: 9 of 9 steps went as expected\.\n$/);
});

test('plain demo still tells its story and exits; --port without --serve is refused', async (t) => {
  const refused = await runCli(['demo', '--port', '8080']);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /--port and --both-methods go with --serve/);
  const demo = await runCli(['demo'], { timeoutMs: 100_000 });
  t.is(demo.code, 0, demo.stdout + demo.stderr);
  t.regex(demo.stdout, /Demo finished: 9 of 9 steps went as expected\.\n$/);
  t.notRegex(demo.stdout, /reset page/);
});
