import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  text: string;
  authorization: string;
}

/** A local HTTP receiver standing in for an SMS provider (none is reachable here): keeps every POSTed `{to, text}`. */
export class SmsReceiver {
  readonly messages: ReceivedSms[] = [];
  /** The status the next requests get (tests of a refusing provider). */
  status = 202;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<SmsReceiver> {
    const slot: { receiver?: SmsReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { to?: string; text?: string };
        slot.receiver?.messages.push({ to: body.to ?? '', text: body.text ?? '', authorization: request.headers.authorization ?? '' });
        response.writeHead(slot.receiver?.status ?? 500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    slot.receiver = new SmsReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`);
    return slot.receiver;
  }

  async waitFor(to: string, timeoutMs = 20_000, after = 0): Promise<ReceivedSms> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(after).find((m) => m.to === to);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no SMS to ${to} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
