import winston from 'winston';
import { InfoSymbol } from './info-symbols.js';
import { REDACTED, type Redactor } from './redactor.js';
import { isSecretField } from './secret-keys.js';

/** The fields a line's own formats set; they lead the redacted info in this order. */
const LEADING_KEYS = ['level', 'message', 'timestamp'] as const;

/**
 * A winston format that lets no secret through: values under secret-named keys (secret-keys.ts)
 * become `[REDACTED]` at any depth, and every text the redactor tracks is masked wherever it
 * appears in a string (the message, a field, an error's message, stack or cause). It returns a new
 * info and never changes the caller's objects; an Error logged as the info itself keeps its
 * message, stack and cause, redacted. The info's raw arguments (`info[SPLAT]`) are not passed on,
 * since they are the unredacted originals, so place it before the formats that render the line.
 * A field that cannot be read (a throwing getter) costs the line its fields, never the caller an
 * exception.
 */
export function redactSecrets(redactor: Redactor): winston.Logform.Format {
  return winston.format((info) => {
    try {
      return redactInfo(info, redactor);
    } catch {
      return { level: info.level, message: redactor.redactString(messageText(info)), [InfoSymbol.level]: info[InfoSymbol.level], logError: 'the fields of this line could not be read' };
    }
  })();
}

function redactInfo(info: winston.Logform.TransformableInfo, redactor: Redactor): winston.Logform.TransformableInfo {
  const out: winston.Logform.TransformableInfo = { level: info.level, message: redactor.redactString(messageText(info)) };
  if (info.timestamp !== undefined) out.timestamp = redactor.redact(info.timestamp);
  for (const key of Object.keys(info)) {
    if ((LEADING_KEYS as readonly string[]).includes(key)) continue;
    const value = info[key];
    out[key] = isSecretField(key, value) ? REDACTED : redactor.redact(value);
  }
  // An Error's own message, stack and cause are not enumerable; winston passes the Error itself as
  // the info when it is logged alone.
  if (info instanceof Error) {
    if (info.stack !== undefined) out.stack = redactor.redactString(info.stack);
    if (info.cause !== undefined) out.cause = redactor.redact(info.cause);
  }
  out[InfoSymbol.level] = info[InfoSymbol.level];
  const rendered = info[InfoSymbol.message];
  if (typeof rendered === 'string') out[InfoSymbol.message] = redactor.redactString(rendered);
  return out;
}

/** The message as text: winston lets a caller pass any value, the redactor needs a string. */
function messageText(info: winston.Logform.TransformableInfo): string {
  const { message } = info;
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  return typeof message === 'number' || typeof message === 'boolean' || typeof message === 'bigint' ? message.toString() : '[object]';
}
