/**
 * Control characters (C0, DEL, C1), Unicode bidirectional overrides and line separators: in text
 * a terminal or a log viewer shows, they can rewrite what is on screen (an escape sequence, a
 * carriage return over an earlier line, text shown reversed).
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text that came from a peer (the service for the agent, an agent's registration for the service), made safe to print: each such character becomes `?`. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, '?');
}
