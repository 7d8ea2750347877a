/** Windows FILETIME: 100-ns intervals since 1601-01-01, as AD's Large-Integer attributes hold it. */
const epochDifferenceMs = 11_644_473_600_000n;

export function filetimeFromMs(ms: number): bigint {
  return (BigInt(Math.floor(ms)) + epochDifferenceMs) * 10_000n;
}

export function msFromFiletime(filetime: bigint): number {
  return Number(filetime / 10_000n - epochDifferenceMs);
}

/** AD stores durations (minPwdAge...) as negative intervals; this gives milliseconds, positive. */
export function msFromInterval(interval: bigint): number {
  const abs = interval < 0n ? -interval : interval;
  return Number(abs / 10_000n);
}

export function intervalFromMs(ms: number): bigint {
  return -BigInt(ms) * 10_000n;
}

/** "Never" for accountExpires. */
export const neverExpires = 9_223_372_036_854_775_807n;

/** Generalized time as AD writes it (whenCreated): 20260101120000.0Z. */
export function generalizedTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = `${new Date(second * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}.0Z`;
  }
  return lastText;
}

/** Seeding 100,000 entries in the same second formats the time once. */
let lastSecond = Number.NaN;
let lastText = '';
