import { SeededAccount, SeededContact } from '../directory-sim/seed/seeded-domain.js';
import { DEMO_HELPDESK, DEMO_TENANT, type DemoEnvironment } from './demo-environment.js';
import type { CaughtMail } from './mail-catcher.js';
import type { CaughtSms } from './sms-catcher.js';

export interface ServeOptions {
  /** The service's port (the portal's address); 0: a free one. */
  port: number;
  /** How many of the portal's methods a user must pass. */
  requiredMethods: 1 | 2;
}

/** A caught message on the console: who it is for, its subject, its text (the code or link is in it). */
export function printMail(out: (line: string) => void, mail: CaughtMail): void {
  out('');
  out(`  ✉ mail to ${mail.to.join(', ')}: ${mail.subject}`);
  for (const line of mail.text.split('\n')) out(`    ${line}`);
}

/** A caught text message on the console: the number and the text (the code is in it). */
export function printSms(out: (line: string) => void, sms: CaughtSms): void {
  out('');
  out(`  ✆ SMS to ${sms.to}: ${sms.text}`);
}

/** `demo --serve`: where the portal is, how to read its mail, and the help desk's credential. */
export function printPortal(env: DemoEnvironment, out: (line: string) => void): void {
  const url = `${env.service.url}/`;
  out('');
  out(`The self-service portal: ${url}`);
  out(`  Served over TLS with this run's own CA (${env.caFile}): your browser warns once; accept it for this address.`);
  out('  Try bob, erin or frank (a reset that works), alice (changed a moment ago: too young), pat.admin (an administrator: see below),');
  out('  mallory (out of scope), dave (unlock only). Each has a mail address in the simulated directory.');
  out("  E-mailed codes and notices land in the demo's own outbox (an SMTP server on 127.0.0.1) and are printed here;");
  out("  SMS codes go to the demo's own SMS provider (an HTTP endpoint on 127.0.0.1) and are printed here too.");
  out(`  SMS codes: frank has a mobile number (${SeededContact.frank.mobile}); choose "A code by SMS".`);
  out(`  The administrator's own reset: pat.admin, ticking "I am an administrator": a link by e-mail to ${SeededContact.patAdmin.otherMailbox}`);
  out(`  (open it in the same browser) and an SMS code to ${SeededContact.patAdmin.mobile}; the agent allows it for members of Domain Admins.`);
  out(`  Register an authenticator app at ${url}register, signing in with the directory password (e.g. bob / ${SeededAccount.bob.password}).`);
  out(`The help desk: ${env.service.url}/helpdesk, signing in with the admin token ${env.adminToken}`);
  out(`  The same token works for the admin API, e.g. curl --cacert ${env.caFile} -H "Authorization: Bearer ${env.adminToken}" ${env.service.url}/api/v1/tenants/${DEMO_TENANT}/agents`);
  out(`  Refusals name ${DEMO_HELPDESK}; its mail is printed here too.`);
  out('Press Ctrl-C to stop.');
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
