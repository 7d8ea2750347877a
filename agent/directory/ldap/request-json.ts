/**
 * ldapts 9 writes a debug line for every request it sends, and builds that line's text before it
 * asks whether its debug log is on: `JSON.stringify(message)` of the whole request, password bytes
 * included (a unicodePwd value or a Password Modify request value becomes a JSON array of its bytes;
 * only a bind's `password` field is masked). That is a copy of the password in a string the agent
 * cannot clear, made for nothing: the agent refuses to run with ldapts's debug log on (see
 * cli/node-debug-guard.ts). It costs CPU too (bench/micro/ldapts-json-cost.ts measures it).
 *
 * Giving ldapts's message classes a `toJSON` that names only the message id and type makes that text
 * short and secret-free. Nothing changes on the wire: requests are encoded with `write()`, never JSON.
 */
import { ModifyRequest } from 'ldapts';

/** What JSON.stringify shows of an ldapts request or response. */
export interface MessageSummary {
  messageId: number;
  messageType: string;
}

/** Called when the LDAP connector module loads; calling it again changes nothing. */
export function summarizeLdapMessagesInJson(): void {
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
}
