/** RFC 3339 UTC times with milliseconds, the only time form on the wire (SPEC.md section 2). */

const RFC3339_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function formatTime(date: Date): string {
  return date.toISOString();
}

/** Parses a wire time; null unless it is exactly `YYYY-MM-DDTHH:MM:SS.sssZ` and a real instant. */
export function parseTime(text: string): Date | null {
  if (!RFC3339_MS_UTC.test(text)) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== text) return null;
  return date;
}
