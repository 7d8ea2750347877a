import { Client } from 'ldapts';
import { SimEnvironment, SIM_TENANT } from './sim-environment.js';
import { ResetWeb, type ResetWebOptions } from '../../../service-sim/web/index.js';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, unlabelledInputs, type Browser } from './browser.js';

/** The old demo's system (directory-sim, service-sim, a registered agent), the reset page on it and a browser. */
export class WebHarness {
  /** Every password and passcode typed anywhere, for the leak checks. */
  readonly secrets: string[] = [];

  private constructor(
    readonly env: SimEnvironment,
    readonly web: ResetWeb,
    readonly browser: Browser,
    /** Every console line: the demo environment's and the reset page's log (simulated messages included). */
    readonly lines: string[],
  ) {}

  static async start(options: Partial<ResetWebOptions> = {}): Promise<WebHarness> {
    const lines: string[] = [];
    const env = await SimEnvironment.start((line) => lines.push(line));
    const web = await ResetWeb.start({
      service: env.service,
      tenantId: SIM_TENANT,
      log: (line) => lines.push(line),
      simulation: {
        directoryDown: () => env.directory.faults.responseFor('search') === 'unavailable',
        setDirectoryDown: (down) => (down ? env.directory.faults.respond('any', 'unavailable') : env.directory.faults.clear()),
      },
      ...options,
    });
    const browser = await launchBrowser().catch(async (error: unknown) => {
      await web.stop();
      await env.stop();
      throw error;
    });
    const harness = new WebHarness(env, web, browser, lines);
    harness.secrets.push(web.adminPasscode);
    return harness;
  }

  url(path = ''): string {
    return new URL(path, this.web.url).toString();
  }

  /** A new page in a fresh session (cookies cleared). */
  async freshPage(): Promise<Page> {
    await this.browser.context.clearCookies();
    return this.browser.context.newPage();
  }

  /** Remembers `password` for the leak checks and returns it. */
  secret(password: string): string {
    this.secrets.push(password);
    return password;
  }

  /** A bind to the directory as `sam` with `password`: does the password work? */
  async canSignIn(rdn: string, password: string): Promise<boolean> {
    const client = new Client({ url: this.env.directory.ldapsUrl!, tlsOptions: { ca: [this.env.tls.caPem] }, timeout: 5_000, connectTimeout: 5_000 });
    try {
      await client.bind(`${rdn},${this.env.directory.baseDn}`, password);
      return true;
    } catch {
      return false;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await this.web.stop();
    await this.env.stop();
  }
}

/** After each page: a screenshot, and every input must have a label. */
export async function step(page: Page, name: string): Promise<string[]> {
  await screenshot(page, name);
  return unlabelledInputs(page);
}

/** The last six-digit code in the page's outbox panel. */
export async function codeFromOutbox(page: Page): Promise<string> {
  const text = await page.locator('#outbox-messages').innerText();
  const codes = [...text.matchAll(/code is (\d{6})/g)].map((m) => m[1]);
  const code = codes[0];
  if (code === undefined) throw new Error(`no code in the outbox: ${text}`);
  return code;
}
