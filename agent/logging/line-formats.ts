import winston from 'winston';
import { InfoSymbol } from './info-symbols.js';

type Info = winston.Logform.TransformableInfo;

/** The fields every line leads with; the others follow in the order the info holds them. */
const OWN_KEYS = new Set(['level', 'message', 'timestamp']);

/**
 * The file's line: the info as one JSON object, `{"level","message","timestamp", ...fields}` when
 * it comes from redactSecrets (which puts those three first). One native JSON.stringify: logform's
 * json() sorts keys and stringifies in JavaScript, several times the cost on a per-command line.
 */
export function jsonLine(): winston.Logform.Format {
  return winston.format((info) => {
    info[InfoSymbol.message] = JSON.stringify(info);
    return info;
  })();
}

/** The console's readable line: `<timestamp> <level> <message> <fields as JSON>`. */
export function textLine(): winston.Logform.Format {
  return winston.format((info) => {
    const fields = fieldsJson(info);
    const timestamp = typeof info.timestamp === 'string' ? `${info.timestamp} ` : '';
    info[InfoSymbol.message] = `${timestamp}${info.level.padEnd(5)} ${String(info.message)}${fields === '{}' ? '' : ` ${fields}`}`;
    return info;
  })();
}

function fieldsJson(info: Info): string {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(info)) if (!OWN_KEYS.has(key)) fields[key] = info[key];
  return JSON.stringify(fields);
}
