import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DemoEnvironment } from './demo-environment.js';
import { DEMO_STORY, DemoPasswords } from './demo-story.js';
import { MailCatcher } from './mail-catcher.js';
import { SmsCatcher } from './sms-catcher.js';
import { printMail, printPortal, printSms, untilStopped, type ServeOptions } from './serve-portal.js';

/**
 * `writeback-agent demo` and `npm start`: the whole system on this machine, a short story in plain
 * words, and exit 0 only when every step went as expected (so it doubles as a smoke test). With
 * `serve`, the system stays up after the story with the self-service portal, its mail printed
 * here, until SIGINT or SIGTERM.
 */
export async function runDemo(out: (line: string) => void = (line) => process.stdout.write(`${line}\n`), options: { serve?: ServeOptions } = {}): Promise<number> {
  out('writeback-agent demo: everything runs on this machine, on 127.0.0.1.');
  out('');
  const serve = options.serve;
  const mail = serve === undefined ? null : await MailCatcher.start((caught) => printMail(out, caught));
  const sms = serve === undefined ? null : await SmsCatcher.start((caught) => printSms(out, caught));
  const env = await DemoEnvironment.start(
    (line) => out(`  ${line}`),
    serve === undefined || mail === null || sms === null ? {} : { smtpPort: mail.port, smsEndpoint: sms.url, port: serve.port, requiredMethods: serve.requiredMethods },
  ).catch(async (error: unknown) => {
    await mail?.stop();
    await sms?.stop();
    throw error;
  });
  let passed = 0;
  try {
    for (const [index, step] of DEMO_STORY.entries()) {
      out('');
      out(`${index + 1}. ${step.title}`);
      let ok = false;
      try {
        ok = await step.run(env, out);
      } catch (error) {
        out(`   ✗ the step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (ok) passed++;
      else out('   ✗ this is not what should have happened.');
    }
    out('');
    const leaks = findPasswords(env.dir, Object.values(DemoPasswords));
    out(
      leaks.length === 0
        ? "✓ None of the passwords above appears in the agent's logs, journal, audit log or state files, nor in the service's log or database."
        : `✗ a password appears in: ${leaks.join(', ')}`,
    );
    if (leaks.length === 0) passed++;
    if (serve !== undefined) {
      out(`The story: ${passed} of ${DEMO_STORY.length + 1} steps went as expected.`);
      printPortal(env, out);
      await untilStopped();
      out('Stopping.');
    }
  } finally {
    await env.stop();
    await mail?.stop();
    await sms?.stop();
  }
  const total = DEMO_STORY.length + 1;
  out(`Demo finished: ${passed} of ${total} steps went as expected.`);
  return passed === total ? 0 : 1;
}

function findPasswords(dir: string, passwords: string[]): string[] {
  const hits: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const text = readFileSync(full);
        if (passwords.some((p) => text.includes(p) || text.includes(Buffer.from(p, 'utf16le')))) hits.push(full);
      }
    }
  };
  walk(dir);
  return hits;
}
