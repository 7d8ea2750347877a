/**
 * ldapts 9 writes a debug line for every request it sends, and builds that line's text before it
 * asks whether its debug log is on: `JSON.stringify(message)` of the whole request, password bytes
 * included (a unicodePwd value or a Password Modify request value becomes a JSON array of its bytes;
 * only a bind's `password` field is masked). That is a copy of the password in a string the agent
 * cannot clear, made for nothing: the agent refuses to run with ldapts's debug log on. (It also
 * costs CPU, though less than first thought: 4.6 µs per reset's three requests, 1.2 with this.)
 *
 * Giving ldapts's message classes a `toJSON` that names only the message id and type makes that text
 * short and secret-free. It changes nothing on the wire (requests are encoded with `write()`, never
 * JSON) and only the content of ldapts's own debug lines, which the agent refuses to run with anyway
 * (see cli/node-debug-guard.ts).
 */
import { ModifyRequest } from 'ldapts';

/** What JSON.stringify shows of an ldapts request or response. */
export interface MessageSummary {
  messageId: number;
  messageType: string;
}

let installed = false;

/** Idempotent; called when the LDAP connector module loads. */
export function summarizeLdapMessagesInJson(): void {
  if (installed) return;
  // ModifyRequest -> Message: the base class of every request and response (not exported by name).
  const messagePrototype = Object.getPrototypeOf(ModifyRequest.prototype) as object;
  Object.defineProperty(messagePrototype, 'toJSON', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function toJSON(this: { messageId: number; constructor: { name: string } }): MessageSummary {
      return { messageId: this.messageId, messageType: this.constructor.name };
    },
  });
  installed = true;
}
