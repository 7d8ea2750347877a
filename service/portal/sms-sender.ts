import { readSecretReference } from '../config/secret-reference.js';
import type { ServiceConfig } from '../config/service-config.js';
import { ServiceError } from '../errors.js';

/** Milliseconds the provider has to accept a message. */
const SMS_TIMEOUT_MS = 10_000;

/**
 * SMS through an HTTP provider: `POST sms.endpoint` with `{"to", "text"}` as JSON and the
 * credential as a bearer token. Any 2xx is accepted; anything else is an error naming the status
 * only (never the message, which holds a code). Providers with another shape sit behind a small relay.
 */
export class SmsSender {
  readonly #endpoint: URL;
  readonly #credential: string | null;

  constructor(sms: ServiceConfig['sms'], dataDir: string) {
    if (sms.endpoint === null) throw new ServiceError('CONFIG', "sms.endpoint must be set for the portal's SMS codes");
    this.#endpoint = new URL(sms.endpoint);
    if (this.#endpoint.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(this.#endpoint.hostname)) {
      throw new ServiceError('CONFIG', 'sms.endpoint must be an https:// URL (plain http only on the loopback)');
    }
    this.#credential = sms.credential === null ? null : readSecretReference(sms.credential, dataDir, 'sms.credential').trim();
  }

  async send(to: string, text: string): Promise<void> {
    const response = await fetch(this.#endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.#credential === null ? {} : { authorization: `Bearer ${this.#credential}` }) },
      body: JSON.stringify({ to, text }),
      signal: AbortSignal.timeout(SMS_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new ServiceError('NOT_SENT', `the SMS provider answered HTTP ${response.status}`);
  }
}
