import { ResetWeb } from '../service-sim/web/index.js';
import { DEMO_TENANT, type DemoEnvironment } from './demo-environment.js';

export interface ServeOptions {
  /** 0: a free port. */
  port: number;
  /** How many of email and SMS a user must confirm. */
  requiredMethods: 1 | 2;
}

/**
 * `demo --serve`: the reset page on the demo's service, its simulated messages on the console, and
 * a demo control for a directory outage (directory-sim answers every operation "unavailable").
 */
export async function serveResetPage(env: DemoEnvironment, out: (line: string) => void, options: ServeOptions): Promise<ResetWeb> {
  const web = await ResetWeb.start({
    service: env.service,
    tenantId: DEMO_TENANT,
    port: options.port,
    identity: { required: options.requiredMethods },
    log: (line) => out(`  ${line}`),
    simulation: {
      directoryDown: () => env.directory.faults.responseFor('search') === 'unavailable',
      setDirectoryDown: (down) => {
        if (down) env.directory.faults.respond('any', 'unavailable');
        else env.directory.faults.clear();
      },
    },
  });
  out('');
  out(`The self-service reset page: ${web.url}`);
  out(`The help desk view: ${web.url}admin (passcode ${web.adminPasscode})`);
  out('Try bob, erin or frank (a reset that works), alice (changed a moment ago: too young), pat.admin (protected),');
  out('mallory (out of scope), dave (unlock only). Codes sent by "email" and "SMS" are printed here and on the page.');
  out('Press Ctrl-C to stop.');
  return web;
}

/**
 * Resolves on the first SIGINT or SIGTERM. Later ones are swallowed while the demo stops (a
 * terminal's Ctrl-C reaches both tsx and node, so the same press often arrives twice).
 */
export function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
