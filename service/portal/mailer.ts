import { createTransport, type Transporter } from 'nodemailer';
import { readSecretReference } from '../config/secret-reference.js';
import type { ServiceConfig } from '../config/service-config.js';
import { ServiceError } from '../errors.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * E-mail over SMTP (nodemailer), as `smtp` configures it: implicit TLS, STARTTLS (required, never
 * a silent fall-back to plain text) or none (a relay on the same host only). The password comes
 * from its reference when the mailer is built.
 */
export class Mailer {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(smtp: ServiceConfig['smtp'], dataDir: string) {
    if (smtp.host === null || smtp.from === null) throw new ServiceError('CONFIG', "smtp.host and smtp.from must be set for the portal's e-mail (codes and notifications)");
    const auth = smtp.user === null ? undefined : { user: smtp.user, pass: smtp.password === null ? '' : readSecretReference(smtp.password, dataDir, 'smtp.password') };
    this.#transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === 'tls',
      requireTLS: smtp.security === 'starttls',
      ignoreTLS: smtp.security === 'none',
      ...(auth === undefined ? {} : { auth }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    this.#from = smtp.from;
  }

  async send(mail: Mail): Promise<void> {
    await this.#transport.sendMail({ from: this.#from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  close(): void {
    this.#transport.close();
  }
}
