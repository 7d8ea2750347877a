import winston from 'winston';
import { printable } from '../../protocol/printable-text.js';
import { InfoSymbol } from './info-symbols.js';

/** One definition of what is unsafe to print, shared with the service (protocol/printable-text.ts). */
export { printable };

/**
 * A winston format, placed after the one that renders the line, that makes the finished line
 * (`info[MESSAGE]`) printable: a message or field cannot start a fake line or move the cursor.
 */
export function printableLine(): winston.Logform.Format {
  return winston.format((info) => {
    const line = info[InfoSymbol.message];
    if (typeof line === 'string') info[InfoSymbol.message] = printable(line);
    return info;
  })();
}
