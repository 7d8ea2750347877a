/**
 * AD time values: FILETIME (100-ns ticks since 1601-01-01 UTC, e.g. pwdLastSet, lockoutTime) and
 * intervals (negative 100-ns counts, e.g. minPwdAge, lockoutDuration). Parsed as BigInt: they do
 * not fit a double exactly.
 */
const TICKS_PER_MS = 10_000n;
/** Milliseconds from 1601-01-01 to 1970-01-01. */
const EPOCH_OFFSET_MS = 11_644_473_600_000n;
/** "Never" in a FILETIME (accountExpires, pwdLastSet on some systems). */
const FILETIME_NEVER = 0x7fff_ffff_ffff_ffffn;
/** "Never"/"forever" in an interval: the most negative 64-bit value. */
const INTERVAL_NEVER = -0x8000_0000_0000_0000n;

function parseBig(value: string | null | undefined): bigint | null {
  if (value === null || value === undefined || !/^-?\d+$/.test(value.trim())) return null;
  return BigInt(value.trim());
}

/** A FILETIME as a Date; null for 0 (never set, or pwdLastSet "must change"), "never", or garbage. */
export function fileTimeToDate(value: string | null | undefined): Date | null {
  const ticks = parseBig(value);
  if (ticks === null || ticks <= 0n || ticks >= FILETIME_NEVER) return null;
  return new Date(Number(ticks / TICKS_PER_MS - EPOCH_OFFSET_MS));
}

export function dateToFileTime(date: Date): bigint {
  return (BigInt(date.getTime()) + EPOCH_OFFSET_MS) * TICKS_PER_MS;
}

/**
 * An AD interval in milliseconds. 0 for "none" and for "never/forever" (maxPwdAge never expires,
 * lockoutDuration until an admin unlocks), which is what PasswordPolicy's fields mean by 0.
 */
export function adIntervalToMs(value: string | null | undefined): number {
  const ticks = parseBig(value);
  if (ticks === null || ticks === 0n || ticks === INTERVAL_NEVER) return 0;
  const magnitude = ticks < 0n ? -ticks : ticks;
  return Number(magnitude / TICKS_PER_MS);
}
