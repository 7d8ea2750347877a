import { ServiceError } from '../errors.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30s`, `15m`, `24h`, `7d` (a positive integer and one unit) to milliseconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^([1-9]\d{0,6})([smhd])$/.exec(text.trim());
  if (match === null) throw new ServiceError('USAGE', `${what}: ${JSON.stringify(text)} is not a duration; write e.g. 30s, 15m, 24h or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
